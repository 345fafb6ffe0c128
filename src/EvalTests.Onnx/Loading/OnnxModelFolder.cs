using System.Text.Json;

namespace EvalTests.Onnx.Loading;

/// <summary>What the model's config files say (config.json, genai_config.json, generation_config.json, tokenizer_config.json).</summary>
/// <param name="BosTokenId">Beginning-of-sequence id.</param>
/// <param name="EosTokenIds">End-of-sequence ids.</param>
/// <param name="PadTokenId">Padding id.</param>
/// <param name="ContextLength">Positions the model can attend to.</param>
/// <param name="KvHeads">Key/value heads, when stated.</param>
/// <param name="HeadSize">Head size, when stated.</param>
/// <param name="ChatTemplate">The tokenizer's chat template, when it has one.</param>
/// <param name="BosToken">The BOS token's text, for chat templates.</param>
/// <param name="EosToken">The EOS token's text, for chat templates.</param>
/// <param name="SpecialTokens">Added special tokens (text → id) that must encode as one id each.</param>
/// <param name="CleanUpTokenizationSpaces">transformers' <c>clean_up_tokenization_spaces</c> for decoding.</param>
internal sealed record ModelConfig(int? BosTokenId, IReadOnlyList<int> EosTokenIds, int? PadTokenId, int? ContextLength, int? KvHeads, int? HeadSize,
    string? ChatTemplate, string? BosToken = null, string? EosToken = null, IReadOnlyDictionary<string, int>? SpecialTokens = null, bool CleanUpTokenizationSpaces = false);

/// <summary>The files of a model folder: the ONNX graph, the tokenizer, and the configuration.</summary>
/// <param name="Folder">The folder.</param>
/// <param name="OnnxFile">The decoder graph.</param>
/// <param name="TokenizerFolder">The folder holding tokenizer files.</param>
/// <param name="Config">What the config files say.</param>
internal sealed record OnnxModelFolder(string Folder, string OnnxFile, string TokenizerFolder, ModelConfig Config)
{
    private static readonly string[] OnnxCandidates = ["onnx/model.onnx", "model.onnx", "decoder.onnx", "onnx/decoder_model_merged.onnx", "onnx/decoder_with_past_model.onnx"];

    /// <summary>Reads a model folder; <paramref name="tokenizerFolder"/> overrides where the tokenizer comes from.</summary>
    /// <exception cref="ModelLoadException">The folder lacks an ONNX file or a config.</exception>
    public static OnnxModelFolder Open(string folder, string? tokenizerFolder = null)
    {
        if (!Directory.Exists(folder))
        {
            throw new ModelLoadException($"{folder}: the model folder does not exist.");
        }

        var genai = ReadJson(Path.Combine(folder, "genai_config.json"));
        var genaiFile = genai is { } g && g.TryGetProperty("model", out var model) && model.TryGetProperty("decoder", out var decoder) &&
                        decoder.TryGetProperty("filename", out var filename) ? filename.GetString() : null;
        var onnx = (genaiFile is not null ? new[] { genaiFile } : OnnxCandidates)
            .Select(candidate => Path.Combine(folder, candidate))
            .FirstOrDefault(File.Exists)
            ?? Directory.EnumerateFiles(folder, "*.onnx", SearchOption.AllDirectories).Order(StringComparer.Ordinal).FirstOrDefault()
            ?? throw new ModelLoadException($"{folder}: no ONNX file found (looked for {string.Join(", ", OnnxCandidates)}, the genai_config.json decoder filename, and any *.onnx).");

        return new OnnxModelFolder(folder, onnx, tokenizerFolder ?? folder, ReadConfig(folder, tokenizerFolder ?? folder, genai));
    }

    // The tokenizer's own settings (chat template, special tokens) come from the folder the tokenizer comes from, as
    // transformers' AutoTokenizer.from_pretrained(tokenizer_path) reads them.
    private static ModelConfig ReadConfig(string folder, string tokenizerFolder, JsonElement? genai)
    {
        var config = ReadJson(Path.Combine(folder, "config.json"));
        var generation = ReadJson(Path.Combine(folder, "generation_config.json"));
        var tokenizer = ReadJson(Path.Combine(tokenizerFolder, "tokenizer_config.json"));
        if (config is null && genai is null)
        {
            throw new ModelLoadException($"{folder}: neither config.json nor genai_config.json is present; one of them must give the token ids and context length.");
        }

        var genaiModel = genai?.GetProperty("model");
        var genaiDecoder = genaiModel is { } m && m.TryGetProperty("decoder", out var d) ? d : (JsonElement?)null;
        var eos = Ids(config, "eos_token_id").Concat(Ids(generation, "eos_token_id")).Concat(Ids(genaiModel, "eos_token_id")).Distinct().ToList();
        return new ModelConfig(
            BosTokenId: Int(config, "bos_token_id") ?? Int(genaiModel, "bos_token_id"),
            EosTokenIds: eos,
            PadTokenId: Int(config, "pad_token_id") ?? Int(genaiModel, "pad_token_id"),
            ContextLength: Int(config, "max_position_embeddings") ?? Int(genaiModel, "context_length") ?? Int(tokenizer, "model_max_length"),
            KvHeads: Int(config, "num_key_value_heads") ?? Int(genaiDecoder, "num_key_value_heads") ?? Int(config, "num_attention_heads"),
            HeadSize: Int(config, "head_dim") ?? Int(genaiDecoder, "head_size"),
            ChatTemplate: tokenizer is { } t && t.TryGetProperty("chat_template", out var template) && template.ValueKind == JsonValueKind.String ? template.GetString() : null,
            BosToken: TokenText(tokenizer, "bos_token"),
            EosToken: TokenText(tokenizer, "eos_token"),
            SpecialTokens: SpecialTokens(tokenizer),
            CleanUpTokenizationSpaces: tokenizer is { ValueKind: JsonValueKind.Object } tc && tc.TryGetProperty("clean_up_tokenization_spaces", out var cleanUp) && cleanUp.ValueKind == JsonValueKind.True);
    }

    // A token in tokenizer_config.json is either its text or an object with a "content" field.
    private static string? TokenText(JsonElement? tokenizer, string name) =>
        tokenizer is { ValueKind: JsonValueKind.Object } t && t.TryGetProperty(name, out var value)
            ? value.ValueKind == JsonValueKind.String ? value.GetString()
            : value.ValueKind == JsonValueKind.Object && value.TryGetProperty("content", out var content) ? content.GetString() : null
            : null;

    private static Dictionary<string, int>? SpecialTokens(JsonElement? tokenizer)
    {
        if (tokenizer is not { ValueKind: JsonValueKind.Object } t || !t.TryGetProperty("added_tokens_decoder", out var added))
        {
            return null;
        }

        var tokens = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var entry in added.EnumerateObject())
        {
            if (entry.Value.TryGetProperty("special", out var special) && special.ValueKind == JsonValueKind.True &&
                entry.Value.TryGetProperty("content", out var content) && int.TryParse(entry.Name, System.Globalization.CultureInfo.InvariantCulture, out var id))
            {
                tokens[content.GetString()!] = id;
            }
        }

        return tokens.Count > 0 ? tokens : null;
    }

    private static JsonElement? ReadJson(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
            return document.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            throw new ModelLoadException($"{path}: not valid JSON (line {ex.LineNumber + 1}): {ex.Message}");
        }
    }

    private static int? Int(JsonElement? element, string name) =>
        element is { ValueKind: JsonValueKind.Object } e && e.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetInt32() : null;

    private static List<int> Ids(JsonElement? element, string name)
    {
        if (element is not { ValueKind: JsonValueKind.Object } e || !e.TryGetProperty(name, out var value))
        {
            return [];
        }

        return value.ValueKind switch
        {
            JsonValueKind.Number => [value.GetInt32()],
            JsonValueKind.Array => [.. value.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.Number).Select(v => v.GetInt32())],
            _ => [],
        };
    }
}

/// <summary>A model folder cannot be loaded: the message names the file and what was expected.</summary>
public sealed class ModelLoadException(string message) : Exception(message);
