using System.Text.Json;
using System.Text.RegularExpressions;
using EvalTests.Onnx.Loading;
using Microsoft.ML.Tokenizers;

namespace EvalTests.Onnx.Tokenization;

/// <summary>Loads a model's tokenizer with Microsoft.ML.Tokenizers from whichever files the folder has.</summary>
internal static class TokenizerLoader
{
    /// <summary>
    /// SentencePiece (<c>tokenizer.model</c>, Llama-style, with a BOS token), byte-level BPE (<c>vocab.json</c> +
    /// <c>merges.txt</c>), or a byte-level BPE <c>tokenizer.json</c>.
    /// </summary>
    /// <returns>The tokenizer and whether it adds a BOS token itself.</returns>
    public static Tokenizer Load(string folder, int? bosTokenId, IReadOnlyDictionary<string, int>? specialTokens = null)
    {
        var sentencePiece = Path.Combine(folder, "tokenizer.model");
        if (File.Exists(sentencePiece))
        {
            using var stream = File.OpenRead(sentencePiece);
            return LlamaTokenizer.Create(stream, addBeginOfSentence: bosTokenId is not null, addEndOfSentence: false,
                specialTokens: specialTokens?.ToDictionary(p => p.Key, p => p.Value));
        }

        var vocab = Path.Combine(folder, "vocab.json");
        var merges = Path.Combine(folder, "merges.txt");
        if (File.Exists(vocab) && File.Exists(merges))
        {
            using var document = JsonDocument.Parse(File.ReadAllText(vocab));
            return ByteLevelBpe(document.RootElement, File.ReadLines(merges).Where(line => line.Length > 0 && !line.StartsWith("#version", StringComparison.Ordinal)).ToList(), specialTokens);
        }

        var json = Path.Combine(folder, "tokenizer.json");
        if (File.Exists(json))
        {
            return FromTokenizerJson(json, specialTokens);
        }

        throw new ModelLoadException($"{folder}: no tokenizer found (expected tokenizer.model, vocab.json + merges.txt, or a BPE tokenizer.json). A folder without one can borrow another folder's tokenizer (--tokenizer).");
    }

    private static BpeTokenizer FromTokenizerJson(string path, IReadOnlyDictionary<string, int>? specialTokens)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        var model = document.RootElement.GetProperty("model");
        if (!model.TryGetProperty("type", out var type) || type.GetString() != "BPE" || !model.TryGetProperty("vocab", out var vocab) || !model.TryGetProperty("merges", out var merges))
        {
            throw new ModelLoadException($"{path}: only byte-level BPE tokenizer.json files are supported (model.type \"BPE\" with vocab and merges).");
        }

        var mergeLines = merges.EnumerateArray()
            .Select(merge => merge.ValueKind == JsonValueKind.Array ? $"{merge[0].GetString()} {merge[1].GetString()}" : merge.GetString()!)
            .ToList();
        return ByteLevelBpe(vocab, mergeLines, specialTokens);
    }

    // GPT-2's pre-tokenization: contractions, letter runs, digit runs, other runs, each with one optional leading space.
    private static readonly Regex Gpt2Split = new(@"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+", RegexOptions.Compiled);

    private static BpeTokenizer ByteLevelBpe(JsonElement vocab, IReadOnlyList<string> merges, IReadOnlyDictionary<string, int>? specialTokens)
    {
        var entries = vocab.EnumerateObject().Select(p => KeyValuePair.Create(p.Name, p.Value.GetInt32())).ToList();
        return BpeTokenizer.Create(new BpeOptions(entries)
        {
            Merges = merges,
            ByteLevel = true,
            PreTokenizer = new RegexPreTokenizer(Gpt2Split, specialTokens?.ToDictionary(p => p.Key, p => p.Value)),
            SpecialTokens = specialTokens?.ToDictionary(p => p.Key, p => p.Value),
        });
    }
}
