namespace EvalTests.Onnx.Tokenization;

/// <summary>The text and offset of each token of a sequence, for echoed prompt log-probabilities.</summary>
internal static class TokenOffsets
{
    /// <summary>
    /// Each token's text and offset (in code points) in the decoded text: decoding ever longer prefixes, so the pieces
    /// concatenate to exactly what <see cref="ITextTokenizer.Decode"/> gives (special tokens skipped) (a byte-fallback token that ends inside a character adds
    /// nothing until the character is complete).
    /// </summary>
    public static List<(string Text, int Offset)> Of(ITextTokenizer tokenizer, IReadOnlyList<int> ids)
    {
        var pieces = new List<(string, int)>(ids.Count);
        var previous = string.Empty;
        var previousCodePoints = 0;
        for (var k = 0; k < ids.Count; k++)
        {
            var decoded = tokenizer.Decode(ids.Take(k + 1), skipSpecialTokens: true);
            var complete = decoded.EndsWith('\uFFFD') ? decoded.TrimEnd('\uFFFD') : decoded;
            var piece = complete.StartsWith(previous, StringComparison.Ordinal) ? complete[previous.Length..] : string.Empty;
            pieces.Add((piece, previousCodePoints));
            if (piece.Length > 0)
            {
                previous = complete;
                previousCodePoints += piece.EnumerateRunes().Count();
            }
        }

        return pieces;
    }

    /// <summary>
    /// The text a token would add after <paramref name="before"/> (its last few tokens are context enough for a leading
    /// space or a joined character), special tokens written out: the text of a top log-probability alternative.
    /// </summary>
    public static string InContext(ITextTokenizer tokenizer, IReadOnlyList<int> before, int id)
    {
        var context = before.Skip(Math.Max(0, before.Count - 8)).ToList();
        var head = tokenizer.Decode(context, skipSpecialTokens: false);
        var withToken = tokenizer.Decode([.. context, id], skipSpecialTokens: false);
        return withToken.StartsWith(head, StringComparison.Ordinal) ? withToken[head.Length..] : withToken;
    }
}
