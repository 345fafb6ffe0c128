using EvalTests.Models;
using EvalTests.Onnx.Inference;

namespace EvalTests.Onnx.Tokenization;

/// <summary>
/// Token ids with their log-probabilities as OpenAI reports them: each token's text and offset in context, its
/// log-probability, and the likeliest alternatives at its position, each decoded in the same context.
/// </summary>
internal static class ScoredTokens
{
    /// <summary>Generated tokens; those past <paramref name="keptLength"/> code points (cut at a stop string) are dropped.</summary>
    public static List<ScoredToken> OfGeneration(ITextTokenizer tokenizer, IReadOnlyList<GeneratedToken> tokens, int keptLength) =>
        [.. TokenOffsets.Of(tokenizer, [.. tokens.Select(t => t.Token)])
            .Select((piece, k) => new ScoredToken(piece.Text, piece.Offset, tokens[k].LogProb) { Top = Alternatives(tokenizer, [.. tokens.Take(k).Select(t => t.Token)], tokens[k]) })
            .Where(t => t.Offset < keptLength)];

    /// <summary>A scored text: the first token has no context, so no log-probability; position k − 1 predicts token k.</summary>
    public static List<ScoredToken> OfText(ITextTokenizer tokenizer, IReadOnlyList<int> ids, IReadOnlyList<GeneratedToken> positions) =>
        [.. TokenOffsets.Of(tokenizer, ids).Select((piece, k) => k == 0
            ? new ScoredToken(piece.Text, piece.Offset, null)
            : new ScoredToken(piece.Text, piece.Offset, positions[k - 1].LogProb) { Top = Alternatives(tokenizer, [.. ids.Take(k)], positions[k - 1]) })];

    private static List<TokenAlternative> Alternatives(ITextTokenizer tokenizer, IReadOnlyList<int> before, GeneratedToken position) =>
        [.. position.Top.Select(a => new TokenAlternative(TokenOffsets.InContext(tokenizer, before, a.Token), a.LogProb))];
}
