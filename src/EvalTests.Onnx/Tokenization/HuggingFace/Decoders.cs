using System.Globalization;
using System.Text;

namespace EvalTests.Onnx.Tokenization.HuggingFace;

/// <summary>A tokenizer.json <c>decoder</c>: turns the tokens of ids back into text pieces (Hugging Face's <c>decode_chain</c>).</summary>
internal interface ITokenDecoder
{
    List<string> Decode(List<string> tokens);
}

/// <summary>ByteLevel: every character back to its byte, then UTF-8 with invalid sequences as U+FFFD.</summary>
internal sealed record ByteLevelDecoder : ITokenDecoder
{
    public List<string> Decode(List<string> tokens)
    {
        var bytes = new List<byte>();
        foreach (var token in tokens)
        {
            ByteLevelAlphabet.AppendBytes(token, bytes);
        }

        return [Encoding.UTF8.GetString([.. bytes])];
    }
}

/// <summary>
/// Metaspace: the replacement character back to a space — except in the first token, where (unless the scheme is
/// never) Hugging Face drops every replacement character, not only a leading one.
/// </summary>
internal sealed record MetaspaceDecoder(char Replacement, PrependScheme Scheme) : ITokenDecoder
{
    public List<string> Decode(List<string> tokens) =>
        [.. tokens.Select((token, i) => i == 0 && Scheme != PrependScheme.Never
            ? token.Replace(Replacement.ToString(), string.Empty, StringComparison.Ordinal)
            : token.Replace(Replacement, ' '))];
}

/// <summary>ByteFallback: runs of <c>&lt;0xXX&gt;</c> tokens to their UTF-8 text, or one U+FFFD per byte when it is not valid UTF-8.</summary>
internal sealed record ByteFallbackDecoder : ITokenDecoder
{
    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public List<string> Decode(List<string> tokens)
    {
        var result = new List<string>(tokens.Count);
        var pending = new List<byte>();
        foreach (var token in tokens)
        {
            if (token.Length == 6 && token.StartsWith("<0x", StringComparison.Ordinal) && token[5] == '>' &&
                byte.TryParse(token.AsSpan(3, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var b))
            {
                pending.Add(b);
                continue;
            }

            Flush(pending, result);
            result.Add(token);
        }

        Flush(pending, result);
        return result;
    }

    private static void Flush(List<byte> pending, List<string> result)
    {
        if (pending.Count == 0)
        {
            return;
        }

        try
        {
            result.Add(Strict.GetString([.. pending]));
        }
        catch (DecoderFallbackException)
        {
            result.AddRange(Enumerable.Repeat("\uFFFD", pending.Count));
        }

        pending.Clear();
    }
}

/// <summary>Fuse: all tokens into one.</summary>
internal sealed record FuseDecoder : ITokenDecoder
{
    public List<string> Decode(List<string> tokens) => [string.Concat(tokens)];
}

/// <summary>Strip: up to <c>start</c> leading and <c>stop</c> trailing occurrences of a character from each token.</summary>
internal sealed record StripDecoder(char Content, int Start, int Stop) : ITokenDecoder
{
    public List<string> Decode(List<string> tokens) =>
        [.. tokens.Select(token =>
        {
            var begin = 0;
            while (begin < Start && begin < token.Length && token[begin] == Content)
            {
                begin++;
            }

            var end = token.Length;
            while (token.Length - end < Stop && end > begin && token[end - 1] == Content)
            {
                end--;
            }

            return token[begin..end];
        })];
}

/// <summary>Replace: a string or regular expression in each token.</summary>
internal sealed record ReplaceDecoder(TextPattern Pattern, string Content) : ITokenDecoder
{
    public List<string> Decode(List<string> tokens) => [.. tokens.Select(token => Pattern.Replace(token, Content))];
}

internal sealed record SequenceDecoder(IReadOnlyList<ITokenDecoder> Decoders) : ITokenDecoder
{
    public List<string> Decode(List<string> tokens) => Decoders.Aggregate(tokens, (current, decoder) => decoder.Decode(current));
}
