using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace EvalTests.Onnx.Tokenization.HuggingFace;

/// <summary>A tokenizer.json <c>normalizer</c>: rewrites each piece of text that is not an added token.</summary>
internal interface ITextNormalizer
{
    string Normalize(string text);
}

/// <summary>NFC, NFD, NFKC or NFKD, through the runtime's ICU.</summary>
internal sealed record UnicodeNormalizer(NormalizationForm Form) : ITextNormalizer
{
    /// <summary>
    /// Whether this process can normalize: under <c>InvariantGlobalization</c> .NET's <see cref="string.Normalize()"/>
    /// returns its input unchanged, which would silently tokenize differently from Hugging Face.
    /// </summary>
    public static bool Available { get; } = "e\u0301".Normalize(NormalizationForm.FormC).Length == 1;

    public string Normalize(string text) => text.Normalize(Form);
}

internal sealed record LowercaseNormalizer : ITextNormalizer
{
    public string Normalize(string text) => text.ToLowerInvariant();
}

/// <summary>Strip: whitespace removed from the left and/or right.</summary>
internal sealed record StripNormalizer(bool Left, bool Right) : ITextNormalizer
{
    public string Normalize(string text) => (Left, Right) switch
    {
        (true, true) => text.Trim(),
        (true, false) => text.TrimStart(),
        (false, true) => text.TrimEnd(),
        _ => text,
    };
}

/// <summary>StripAccents: combining marks removed (after NFD, as tokenizers expect it to be used).</summary>
internal sealed record StripAccentsNormalizer : ITextNormalizer
{
    public string Normalize(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var rune in text.EnumerateRunes())
        {
            if (Rune.GetUnicodeCategory(rune) != UnicodeCategory.NonSpacingMark)
            {
                builder.Append(rune.ToString());
            }
        }

        return builder.ToString();
    }
}

/// <summary>Replace: every occurrence of a string or a regular expression.</summary>
internal sealed record ReplaceNormalizer(TextPattern Pattern, string Content) : ITextNormalizer
{
    public string Normalize(string text) => Pattern.Replace(text, Content);
}

/// <summary>Prepend: a prefix before any non-empty text.</summary>
internal sealed record PrependNormalizer(string Prefix) : ITextNormalizer
{
    public string Normalize(string text) => text.Length == 0 ? text : Prefix + text;
}

internal sealed record SequenceNormalizer(IReadOnlyList<ITextNormalizer> Normalizers) : ITextNormalizer
{
    public string Normalize(string text) => Normalizers.Aggregate(text, (current, normalizer) => normalizer.Normalize(current));
}

/// <summary>A tokenizer.json <c>pattern</c>: <c>{"String": …}</c> (literal) or <c>{"Regex": …}</c>.</summary>
internal sealed class TextPattern
{
    private readonly string? _literal;
    private readonly Regex? _regex;

    private TextPattern(string? literal, Regex? regex)
    {
        _literal = literal;
        _regex = regex;
    }

    public static TextPattern Literal(string text) => new(text, null);

    public static TextPattern Expression(string pattern) => new(null, new Regex(pattern, RegexOptions.CultureInvariant));

    /// <summary>Each non-empty match, in order, without overlaps.</summary>
    public IEnumerable<(int Start, int Length)> Matches(string text)
    {
        if (_regex is not null)
        {
            foreach (Match match in _regex.Matches(text))
            {
                if (match.Length > 0)
                {
                    yield return (match.Index, match.Length);
                }
            }

            yield break;
        }

        if (_literal!.Length == 0)
        {
            yield break;
        }

        for (var at = text.IndexOf(_literal, StringComparison.Ordinal); at >= 0; at = text.IndexOf(_literal, at + _literal.Length, StringComparison.Ordinal))
        {
            yield return (at, _literal.Length);
        }
    }

    public string Replace(string text, string content) =>
        _regex is not null ? _regex.Replace(text, content.Replace("$", "$$", StringComparison.Ordinal)) : _literal!.Length == 0 ? text : text.Replace(_literal, content, StringComparison.Ordinal);
}
