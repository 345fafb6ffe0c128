namespace EvalTests.Onnx.Tokenization.HuggingFace;

/// <summary>
/// A <c>tokenizer.json</c> with Hugging Face <c>tokenizers</c>' semantics: added tokens split out of the raw text, the
/// normalizer on each remaining piece, the pre-tokenizer, the BPE model on each word, the post-processor's special
/// tokens; decoding maps ids to tokens (ids without a token give nothing) and runs the decoder chain.
/// </summary>
internal sealed class HfTokenizer : ITextTokenizer
{
    private readonly AddedVocabulary _added;
    private readonly ITextNormalizer? _normalizer;
    private readonly IPreTokenizer? _preTokenizer;
    private readonly BpeModel _model;
    private readonly IPostProcessor? _postProcessor;
    private readonly ITokenDecoder? _decoder;
    private readonly bool _cleanUpTokenizationSpaces;

    public HfTokenizer(AddedVocabulary added, ITextNormalizer? normalizer, IPreTokenizer? preTokenizer, BpeModel model, IPostProcessor? postProcessor, ITokenDecoder? decoder, bool cleanUpTokenizationSpaces)
    {
        _added = added;
        _normalizer = normalizer;
        _preTokenizer = preTokenizer;
        _model = model;
        _postProcessor = postProcessor;
        _decoder = decoder;
        _cleanUpTokenizationSpaces = cleanUpTokenizationSpaces;
    }

    public IReadOnlyList<int> Encode(string text, bool addSpecialTokens = true)
    {
        var ids = new List<int>();
        foreach (var (raw, rawStart, rawToken) in _added.SplitRaw(text))
        {
            if (rawToken is not null)
            {
                ids.Add(rawToken.Id);
                continue;
            }

            var normalized = _normalizer?.Normalize(raw) ?? raw;
            foreach (var (piece, start, token) in _added.SplitNormalized(normalized))
            {
                if (token is not null)
                {
                    ids.Add(token.Id);
                    continue;
                }

                if (piece.Length == 0)
                {
                    continue;
                }

                var whole = new TextPiece(piece, AtStart: rawStart == 0 && start == 0);
                foreach (var word in _preTokenizer?.Split(whole) ?? [whole])
                {
                    _model.Tokenize(word.Text, ids);
                }
            }
        }

        return addSpecialTokens && _postProcessor is not null ? _postProcessor.Process(ids) : ids;
    }

    public string Decode(IEnumerable<int> ids, bool skipSpecialTokens = false)
    {
        var tokens = new List<string>();
        foreach (var id in ids)
        {
            if (_added.ById.TryGetValue(id, out var added))
            {
                if (!(skipSpecialTokens && added.Special))
                {
                    tokens.Add(added.Content);
                }
            }
            else if (_model.TokenOf(id) is { } token)
            {
                tokens.Add(token);
            }
        }

        var text = _decoder is null ? string.Join(' ', tokens) : string.Concat(_decoder.Decode(tokens));
        return _cleanUpTokenizationSpaces ? CleanUpTokenizationSpaces(text) : text;
    }

    public string? TokenOf(int id) => _added.ById.TryGetValue(id, out var added) ? added.Content : _model.TokenOf(id);

    /// <summary>The ids of the added tokens marked special.</summary>
    public IEnumerable<int> SpecialIds => _added.Tokens.Where(t => t.Special).Select(t => t.Id);

    /// <summary>transformers' <c>clean_up_tokenization</c>, applied when tokenizer_config.json sets <c>clean_up_tokenization_spaces</c>.</summary>
    private static string CleanUpTokenizationSpaces(string text) => text
        .Replace(" .", ".", StringComparison.Ordinal).Replace(" ?", "?", StringComparison.Ordinal).Replace(" !", "!", StringComparison.Ordinal)
        .Replace(" ,", ",", StringComparison.Ordinal).Replace(" ' ", "'", StringComparison.Ordinal).Replace(" n't", "n't", StringComparison.Ordinal)
        .Replace(" 'm", "'m", StringComparison.Ordinal).Replace(" 's", "'s", StringComparison.Ordinal).Replace(" 've", "'ve", StringComparison.Ordinal)
        .Replace(" 're", "'re", StringComparison.Ordinal);
}
