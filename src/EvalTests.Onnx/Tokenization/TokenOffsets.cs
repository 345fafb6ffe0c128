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
}
