namespace EvalTests.Onnx.Tokenization.HuggingFace;

/// <summary>
/// A <c>tokenizer.json</c> with Hugging Face <c>tokenizers</c>' semantics: added tokens split out of the raw text, the
/// normalizer on each remaining piece, the pre-tokenizer, the BPE model on each word, the post-processor's special
/// tokens; decoding maps ids to tokens (ids without a token give nothing) and runs the decoder chain.
/// </summary>
internal sealed class HfTokenizer(
    AddedVocabulary addedTokens,
    ITextNormalizer? normalizer,
    IPreTokenizer? preTokenizer,
    BpeModel model,
    IPostProcessor? postProcessor,
    ITokenDecoder? decoder,
    bool cleanUpTokenizationSpaces) : ITextTokenizer
{
    public IReadOnlyList<int> Encode(string text, bool addSpecialTokens = true)
    {
        var ids = new List<int>();
        foreach (var (raw, rawStart, rawToken) in addedTokens.SplitRaw(text))
        {
            if (rawToken is not null)
            {
                ids.Add(rawToken.Id);
                continue;
            }

            var normalized = normalizer?.Normalize(raw) ?? raw;
            foreach (var (piece, start, token) in addedTokens.SplitNormalized(normalized))
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
                foreach (var word in preTokenizer?.Split(whole) ?? [whole])
                {
                    model.Tokenize(word.Text, ids);
                }
            }
        }

        return addSpecialTokens && postProcessor is not null ? postProcessor.Process(ids) : ids;
    }

    public string Decode(IEnumerable<int> ids, bool skipSpecialTokens = false)
    {
        var tokens = new List<string>();
        foreach (var id in ids)
        {
            if (addedTokens.ById.TryGetValue(id, out var added))
            {
                if (!(skipSpecialTokens && added.Special))
                {
                    tokens.Add(added.Content);
                }
            }
            else if (model.TokenOf(id) is { } token)
            {
                tokens.Add(token);
            }
        }

        var text = decoder is null ? string.Join(' ', tokens) : string.Concat(decoder.Decode(tokens));
        return cleanUpTokenizationSpaces ? CleanUpTokenizationSpaces(text) : text;
    }

    public string? TokenOf(int id) => addedTokens.ById.TryGetValue(id, out var added) ? added.Content : model.TokenOf(id);

    /// <summary>transformers' <c>clean_up_tokenization</c>, applied when tokenizer_config.json sets <c>clean_up_tokenization_spaces</c>.</summary>
    private static string CleanUpTokenizationSpaces(string text) => text
        .Replace(" .", ".", StringComparison.Ordinal).Replace(" ?", "?", StringComparison.Ordinal).Replace(" !", "!", StringComparison.Ordinal)
        .Replace(" ,", ",", StringComparison.Ordinal).Replace(" ' ", "'", StringComparison.Ordinal).Replace(" n't", "n't", StringComparison.Ordinal)
        .Replace(" 'm", "'m", StringComparison.Ordinal).Replace(" 's", "'s", StringComparison.Ordinal).Replace(" 've", "'ve", StringComparison.Ordinal)
        .Replace(" 're", "'re", StringComparison.Ordinal);
}
