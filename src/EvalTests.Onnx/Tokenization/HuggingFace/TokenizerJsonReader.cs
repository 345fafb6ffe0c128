using System.Text;
using System.Text.Json;
using EvalTests.Onnx.Loading;

namespace EvalTests.Onnx.Tokenization.HuggingFace;

/// <summary>
/// Reads a <c>tokenizer.json</c> into an <see cref="HfTokenizer"/>. A component it does not implement fails the load
/// with the file, the JSON path, the component's type and the types it does implement: never an approximation.
/// </summary>
internal sealed class TokenizerJsonReader
{
    private static readonly string[] Normalizers = ["NFC", "NFD", "NFKC", "NFKD", "Lowercase", "Strip", "StripAccents", "Replace", "Prepend", "Sequence"];
    private static readonly string[] PreTokenizers = ["Split", "ByteLevel", "Metaspace", "Digits", "Whitespace", "WhitespaceSplit", "Punctuation", "Sequence"];
    private static readonly string[] PostProcessors = ["TemplateProcessing", "ByteLevel", "RobertaProcessing", "BertProcessing", "Sequence"];
    private static readonly string[] Decoders = ["ByteLevel", "Metaspace", "ByteFallback", "Fuse", "Strip", "Replace", "Sequence"];

    private readonly string _file;

    private TokenizerJsonReader(string file) => _file = file;

    /// <summary>Loads the file; <paramref name="cleanUpTokenizationSpaces"/> is transformers' option from tokenizer_config.json.</summary>
    /// <exception cref="ModelLoadException">The file is not valid JSON, or names something this loader does not implement.</exception>
    public static HfTokenizer Read(string file, bool cleanUpTokenizationSpaces)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(File.ReadAllBytes(file));
        }
        catch (JsonException ex)
        {
            throw new ModelLoadException($"{file}: not valid JSON (line {ex.LineNumber + 1}): {ex.Message}");
        }

        using (document)
        {
            return new TokenizerJsonReader(file).Tokenizer(document.RootElement, cleanUpTokenizationSpaces);
        }
    }

    private HfTokenizer Tokenizer(JsonElement root, bool cleanUp)
    {
        var normalizer = Optional(root, "normalizer", Normalizer);
        var added = new AddedVocabulary(AddedTokens(root), normalizer);
        return new HfTokenizer(
            added,
            normalizer,
            Optional(root, "pre_tokenizer", PreTokenizer),
            Model(Required(root, "model", "$"), "model"),
            Optional(root, "post_processor", (e, p) => PostProcessor(e, p, added)),
            Optional(root, "decoder", Decoder),
            cleanUp);
    }

    private List<AddedToken> AddedTokens(JsonElement root)
    {
        if (!root.TryGetProperty("added_tokens", out var tokens) || tokens.ValueKind == JsonValueKind.Null)
        {
            return [];
        }

        return [.. tokens.EnumerateArray().Select((token, i) => new AddedToken(
            Required(token, "id", $"added_tokens[{i}]").GetInt32(),
            String(token, "content", $"added_tokens[{i}]"),
            Flag(token, "single_word"),
            Flag(token, "lstrip"),
            Flag(token, "rstrip"),
            Flag(token, "normalized", defaultValue: true),
            Flag(token, "special")))];
    }

    private BpeModel Model(JsonElement model, string path)
    {
        var type = model.TryGetProperty("type", out var t) ? t.GetString() : null;
        if (type is not null && type != "BPE")
        {
            throw Unsupported(path, "model", type, ["BPE"]);
        }

        if (!model.TryGetProperty("merges", out var merges) || !model.TryGetProperty("vocab", out var vocab))
        {
            throw Error($"{path} has no vocab and merges: only BPE models are implemented");
        }

        if (model.TryGetProperty("dropout", out var dropout) && dropout.ValueKind == JsonValueKind.Number && dropout.GetDouble() > 0)
        {
            throw Error($"{path}.dropout is {dropout.GetDouble()}: BPE dropout samples tokenizations, which no evaluation should; EvalTests implements only dropout null or 0");
        }

        var vocabulary = vocab.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32(), StringComparer.Ordinal);
        var pairs = merges.EnumerateArray().Select((merge, i) => merge.ValueKind == JsonValueKind.Array
            ? (merge[0].GetString()!, merge[1].GetString()!)
            : SplitMerge(merge.GetString()!, $"{path}.merges[{i}]")).ToList();
        var settings = new BpeSettings(
            NullableString(model, "unk_token"),
            NullableString(model, "continuing_subword_prefix") is { Length: > 0 } prefix ? prefix : null,
            NullableString(model, "end_of_word_suffix") is { Length: > 0 } suffix ? suffix : null,
            Flag(model, "fuse_unk"),
            Flag(model, "byte_fallback"),
            Flag(model, "ignore_merges"));
        return new BpeModel(vocabulary, pairs, settings, message => Error(message));
    }

    private (string, string) SplitMerge(string merge, string path) =>
        BpeModel.SplitMerge(merge) ?? throw Error($"{path} (\"{merge}\") is not two tokens separated by a space");

    private ITextNormalizer Normalizer(JsonElement element, string path) => Type(element, path) switch
    {
        "NFC" => Unicode(NormalizationForm.FormC, path),
        "NFD" => Unicode(NormalizationForm.FormD, path),
        "NFKC" => Unicode(NormalizationForm.FormKC, path),
        "NFKD" => Unicode(NormalizationForm.FormKD, path),
        "Lowercase" => new LowercaseNormalizer(),
        "Strip" => new StripNormalizer(Flag(element, "strip_left"), Flag(element, "strip_right")),
        "StripAccents" => new StripAccentsNormalizer(),
        "Replace" => new ReplaceNormalizer(Pattern(element, path), String(element, "content", path)),
        "Prepend" => new PrependNormalizer(String(element, "prepend", path)),
        "Sequence" => new SequenceNormalizer(Items(element, "normalizers", path, Normalizer)),
        var other => throw Unsupported(path, "normalizer", other, Normalizers),
    };

    private UnicodeNormalizer Unicode(NormalizationForm form, string path) => UnicodeNormalizer.Available
        ? new UnicodeNormalizer(form)
        : throw Error($"{path} is a Unicode normalizer ({form}), but this process runs with InvariantGlobalization, where .NET cannot normalize text; set <InvariantGlobalization>false</InvariantGlobalization> (or DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=0) so ICU does it");

    private IPreTokenizer PreTokenizer(JsonElement element, string path) => Type(element, path) switch
    {
        "Split" => new SplitPreTokenizer(Pattern(element, path), Behavior(element, path, SplitBehavior.Isolated), Flag(element, "invert")),
        "ByteLevel" => new ByteLevelPreTokenizer(Flag(element, "add_prefix_space", defaultValue: true), Flag(element, "use_regex", defaultValue: true)),
        "Metaspace" => new MetaspacePreTokenizer(Replacement(element, path), Scheme(element, path), Flag(element, "split", defaultValue: true)),
        "Digits" => new DigitsPreTokenizer(Flag(element, "individual_digits")),
        "Whitespace" => new WhitespacePreTokenizer(),
        "WhitespaceSplit" => new WhitespaceSplitPreTokenizer(),
        "Punctuation" => new PunctuationPreTokenizer(Behavior(element, path, SplitBehavior.Isolated)),
        "Sequence" => new SequencePreTokenizer(Items(element, "pretokenizers", path, PreTokenizer)),
        var other => throw Unsupported(path, "pre_tokenizer", other, PreTokenizers),
    };

    private IPostProcessor PostProcessor(JsonElement element, string path, AddedVocabulary added) => Type(element, path) switch
    {
        "TemplateProcessing" => Template(element, path),
        "ByteLevel" => new IdentityProcessor(),
        "RobertaProcessing" or "BertProcessing" => new SurroundingProcessor(TokenPairId(element, "cls", path), TokenPairId(element, "sep", path)),
        "Sequence" => new SequenceProcessor(Items(element, "processors", path, (e, p) => PostProcessor(e, p, added))),
        var other => throw Unsupported(path, "post_processor", other, PostProcessors),
    };

    private TemplateProcessor Template(JsonElement element, string path)
    {
        var specials = Required(element, "special_tokens", path);
        var pieces = Required(element, "single", path).EnumerateArray().Select((piece, i) =>
        {
            if (piece.TryGetProperty("Sequence", out _))
            {
                return new TemplatePiece(null);
            }

            var name = String(Required(piece, "SpecialToken", $"{path}.single[{i}]"), "id", $"{path}.single[{i}].SpecialToken");
            var special = specials.TryGetProperty(name, out var s) ? s : throw Error($"{path}.single[{i}] names the special token \"{name}\", which {path}.special_tokens does not define");
            return new TemplatePiece([.. Required(special, "ids", $"{path}.special_tokens.{name}").EnumerateArray().Select(id => id.GetInt32())]);
        }).ToList();
        return new TemplateProcessor(pieces);
    }

    private int TokenPairId(JsonElement element, string name, string path) =>
        Required(element, name, path) is { ValueKind: JsonValueKind.Array } pair && pair.GetArrayLength() == 2 ? pair[1].GetInt32()
            : throw Error($"{path}.{name} is not a [token, id] pair");

    private ITokenDecoder Decoder(JsonElement element, string path) => Type(element, path) switch
    {
        "ByteLevel" => new ByteLevelDecoder(),
        "Metaspace" => new MetaspaceDecoder(Replacement(element, path), Scheme(element, path)),
        "ByteFallback" => new ByteFallbackDecoder(),
        "Fuse" => new FuseDecoder(),
        "Strip" => new StripDecoder(Char(element, "content", path), Required(element, "start", path).GetInt32(), Required(element, "stop", path).GetInt32()),
        "Replace" => new ReplaceDecoder(Pattern(element, path), String(element, "content", path)),
        "Sequence" => new SequenceDecoder(Items(element, "decoders", path, Decoder)),
        var other => throw Unsupported(path, "decoder", other, Decoders),
    };

    private TextPattern Pattern(JsonElement element, string path)
    {
        var pattern = Required(element, "pattern", path);
        if (pattern.TryGetProperty("String", out var literal))
        {
            return TextPattern.Literal(literal.GetString()!);
        }

        if (pattern.TryGetProperty("Regex", out var regex))
        {
            try
            {
                return TextPattern.Expression(regex.GetString()!);
            }
            catch (ArgumentException ex)
            {
                throw Error($"{path}.pattern.Regex cannot be compiled by .NET: {ex.Message}");
            }
        }

        throw Error($"{path}.pattern has neither \"String\" nor \"Regex\"");
    }

    private SplitBehavior Behavior(JsonElement element, string path, SplitBehavior defaultValue) =>
        !element.TryGetProperty("behavior", out var behavior) ? defaultValue
        : Enum.TryParse<SplitBehavior>(behavior.GetString(), ignoreCase: false, out var parsed) ? parsed
        : throw Error($"{path}.behavior is \"{behavior.GetString()}\"; expected one of {string.Join(", ", Enum.GetNames<SplitBehavior>())}");

    private char Replacement(JsonElement element, string path) => Char(element, "replacement", path);

    // Older files say add_prefix_space (true = always); newer ones prepend_scheme.
    private PrependScheme Scheme(JsonElement element, string path)
    {
        if (element.TryGetProperty("prepend_scheme", out var scheme) && scheme.ValueKind == JsonValueKind.String)
        {
            return scheme.GetString() switch
            {
                "always" => PrependScheme.Always,
                "first" => PrependScheme.First,
                "never" => PrependScheme.Never,
                var other => throw Error($"{path}.prepend_scheme is \"{other}\"; expected always, first or never"),
            };
        }

        return Flag(element, "add_prefix_space", defaultValue: true) ? PrependScheme.Always : PrependScheme.Never;
    }

    private char Char(JsonElement element, string name, string path)
    {
        var text = String(element, name, path);
        return text.Length == 1 ? text[0] : throw Error($"{path}.{name} is \"{text}\"; expected one character");
    }

    private static T? Optional<T>(JsonElement root, string name, Func<JsonElement, string, T> read)
        where T : class =>
        root.TryGetProperty(name, out var element) && element.ValueKind != JsonValueKind.Null ? read(element, name) : null;

    private List<T> Items<T>(JsonElement element, string name, string path, Func<JsonElement, string, T> read) =>
        [.. Required(element, name, path).EnumerateArray().Select((item, i) => read(item, $"{path}.{name}[{i}]"))];

    private string Type(JsonElement element, string path) => String(element, "type", path);

    private JsonElement Required(JsonElement element, string name, string path) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null
            ? value
            : throw Error($"{path} has no \"{name}\"");

    private string String(JsonElement element, string name, string path) =>
        Required(element, name, path) is { ValueKind: JsonValueKind.String } value ? value.GetString()! : throw Error($"{path}.{name} is not a string");

    private static string? NullableString(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static bool Flag(JsonElement element, string name, bool defaultValue = false) =>
        element.TryGetProperty(name, out var value) && value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean() : defaultValue;

    private ModelLoadException Unsupported(string path, string component, string type, string[] implemented) =>
        Error($"{path} is a {component} of type \"{type}\", which EvalTests does not implement (it implements {string.Join(", ", implemented)}); it is refused rather than approximated, since ids that differ from Hugging Face's change every score");

    private ModelLoadException Error(string message) => new($"{_file}: {message}.");
}
