using System.Text.Json;
using EvalTests.Onnx.Loading;
using EvalTests.Onnx.Tokenization.HuggingFace;
using Microsoft.ML.Tokenizers;

namespace EvalTests.Onnx.Tokenization;

/// <summary>Loads a model's tokenizer from whichever files its tokenizer folder has, in the order transformers prefers them.</summary>
internal static class TokenizerLoader
{
    /// <summary>
    /// <c>tokenizer.json</c> (Hugging Face's fast tokenizer, every component read from the file), else a SentencePiece
    /// <c>tokenizer.model</c> (Microsoft.ML.Tokenizers' Llama tokenizer, BOS from the config), else GPT-2's
    /// <c>vocab.json</c> + <c>merges.txt</c> (byte-level BPE).
    /// </summary>
    /// <exception cref="ModelLoadException">No tokenizer file, or one with a component that is not implemented.</exception>
    public static ITextTokenizer Load(string folder, ModelConfig config)
    {
        var json = Path.Combine(folder, "tokenizer.json");
        if (File.Exists(json))
        {
            return TokenizerJsonReader.Read(json, config.CleanUpTokenizationSpaces);
        }

        var specialTokens = config.SpecialTokens ?? new Dictionary<string, int>();
        var sentencePiece = Path.Combine(folder, "tokenizer.model");
        if (File.Exists(sentencePiece))
        {
            using var stream = File.OpenRead(sentencePiece);
            var llama = LlamaTokenizer.Create(stream, addBeginOfSentence: config.BosTokenId is not null, addEndOfSentence: false,
                specialTokens: specialTokens.ToDictionary(p => p.Key, p => p.Value));
            return new SentencePieceTextTokenizer(llama, specialTokens.Values.ToHashSet());
        }

        var vocab = Path.Combine(folder, "vocab.json");
        var merges = Path.Combine(folder, "merges.txt");
        if (File.Exists(vocab) && File.Exists(merges))
        {
            return Gpt2(vocab, merges, specialTokens, config.CleanUpTokenizationSpaces);
        }

        throw new ModelLoadException($"{folder}: no tokenizer found (expected tokenizer.json, tokenizer.model, or vocab.json + merges.txt). A folder without one can borrow another folder's tokenizer (--tokenizer).");
    }

    // GPT-2's slow-tokenizer files: byte-level BPE with GPT-2's regex, no prefix space, no special tokens added.
    private static HfTokenizer Gpt2(string vocabFile, string mergesFile, IReadOnlyDictionary<string, int> specialTokens, bool cleanUp)
    {
        Dictionary<string, int> vocabulary;
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(vocabFile));
            vocabulary = document.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32(), StringComparer.Ordinal);
        }
        catch (JsonException ex)
        {
            throw new ModelLoadException($"{vocabFile}: not valid JSON (line {ex.LineNumber + 1}): {ex.Message}");
        }

        var pairs = new List<(string, string)>();
        var lineNumber = 0;
        foreach (var line in File.ReadLines(mergesFile))
        {
            lineNumber++;
            if (line.Length == 0 || line.StartsWith("#version", StringComparison.Ordinal))
            {
                continue;
            }

            pairs.Add(BpeModel.SplitMerge(line) ?? throw new ModelLoadException($"{mergesFile}:{lineNumber}: \"{line}\" is not two tokens separated by a space."));
        }

        var model = new BpeModel(vocabulary, pairs, new BpeSettings(null, null, null, FuseUnknown: false, ByteFallback: false, IgnoreMerges: false),
            message => new ModelLoadException($"{mergesFile}: {message}."));
        var added = new AddedVocabulary([.. specialTokens.Select(p => new AddedToken(p.Value, p.Key, false, false, false, Normalized: false, Special: true))], normalizer: null);
        return new HfTokenizer(added, null, new ByteLevelPreTokenizer(AddPrefixSpace: false, UseRegex: true), model, null, new ByteLevelDecoder(), cleanUp);
    }
}
