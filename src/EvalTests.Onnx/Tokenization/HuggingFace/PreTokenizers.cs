using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace EvalTests.Onnx.Tokenization.HuggingFace;

/// <summary>A piece of text between added tokens, as pre-tokenizers split it further.</summary>
/// <param name="Text">The piece.</param>
/// <param name="AtStart">Whether it starts where the original text starts (Metaspace's <c>prepend_scheme: first</c>).</param>
internal readonly record struct TextPiece(string Text, bool AtStart);

/// <summary>A tokenizer.json <c>pre_tokenizer</c>: splits a piece into the words the model tokenizes one by one.</summary>
internal interface IPreTokenizer
{
    IEnumerable<TextPiece> Split(TextPiece piece);
}

/// <summary>How a split treats what its pattern matched (<c>SplitDelimiterBehavior</c>).</summary>
internal enum SplitBehavior
{
    Removed,
    Isolated,
    MergedWithPrevious,
    MergedWithNext,
    Contiguous,
}

/// <summary>Split: a string or regular expression cut out as <see cref="SplitBehavior"/> says; <c>invert</c> keeps the matches.</summary>
internal sealed record SplitPreTokenizer(TextPattern Pattern, SplitBehavior Behavior, bool Invert) : IPreTokenizer
{
    public IEnumerable<TextPiece> Split(TextPiece piece) => Splitting.Apply(piece, Pattern.Matches(piece.Text), Behavior, Invert);
}

/// <summary>ByteLevel: an optional leading space, GPT-2's regex split (<c>use_regex</c>), then every byte as its character.</summary>
internal sealed record ByteLevelPreTokenizer(bool AddPrefixSpace, bool UseRegex) : IPreTokenizer
{
    private static readonly Regex Gpt2Words = new(@"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+", RegexOptions.CultureInvariant);

    public IEnumerable<TextPiece> Split(TextPiece piece)
    {
        var text = AddPrefixSpace && !piece.Text.StartsWith(' ') ? " " + piece.Text : piece.Text;
        var words = UseRegex
            ? Splitting.Apply(piece with { Text = text }, Gpt2Words.Matches(text).Where(m => m.Length > 0).Select(m => (m.Index, m.Length)), SplitBehavior.Isolated, invert: false)
            : [piece with { Text = text }];
        return words.Select(word => word with { Text = ByteLevelAlphabet.Encode(word.Text) });
    }
}

/// <summary>Metaspace: spaces become the replacement character (▁), a prefix one per <c>prepend_scheme</c>, split before each.</summary>
internal sealed record MetaspacePreTokenizer(char Replacement, PrependScheme Scheme, bool SplitWords) : IPreTokenizer
{
    public IEnumerable<TextPiece> Split(TextPiece piece)
    {
        var text = piece.Text.Replace(' ', Replacement);
        var prepend = Scheme == PrependScheme.Always || (Scheme == PrependScheme.First && piece.AtStart);
        if (prepend && !text.StartsWith(Replacement))
        {
            text = Replacement + text;
        }

        var replaced = piece with { Text = text };
        return SplitWords ? Splitting.Apply(replaced, Splitting.CharMatches(text, c => c == Replacement), SplitBehavior.MergedWithNext, invert: false) : [replaced];
    }
}

/// <summary>When Metaspace adds its replacement character before a piece.</summary>
internal enum PrependScheme
{
    Always,
    First,
    Never,
}

/// <summary>Whitespace: runs of word characters and runs of other non-space characters (<c>\w+|[^\w\s]+</c>).</summary>
internal sealed record WhitespacePreTokenizer : IPreTokenizer
{
    private static readonly Regex Words = new(@"\w+|[^\w\s]+", RegexOptions.CultureInvariant);

    public IEnumerable<TextPiece> Split(TextPiece piece) =>
        Splitting.Apply(piece, Words.Matches(piece.Text).Select(m => (m.Index, m.Length)), SplitBehavior.Removed, invert: true);
}

/// <summary>WhitespaceSplit: split on whitespace, which is dropped.</summary>
internal sealed record WhitespaceSplitPreTokenizer : IPreTokenizer
{
    public IEnumerable<TextPiece> Split(TextPiece piece) =>
        Splitting.Apply(piece, Splitting.CharMatches(piece.Text, char.IsWhiteSpace), SplitBehavior.Removed, invert: false);
}

/// <summary>Digits: each digit alone (<c>individual_digits</c>) or runs of digits apart from the rest.</summary>
internal sealed record DigitsPreTokenizer(bool IndividualDigits) : IPreTokenizer
{
    public IEnumerable<TextPiece> Split(TextPiece piece) =>
        Splitting.Apply(piece, Splitting.RuneMatches(piece.Text, IsNumeric), IndividualDigits ? SplitBehavior.Isolated : SplitBehavior.Contiguous, invert: false);

    // Rust's char::is_numeric: the general categories Nd, Nl and No.
    private static bool IsNumeric(Rune rune) => Rune.GetUnicodeCategory(rune) is UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber;
}

/// <summary>Punctuation: each punctuation character split off as <see cref="SplitBehavior"/> says (default isolated).</summary>
internal sealed record PunctuationPreTokenizer(SplitBehavior Behavior) : IPreTokenizer
{
    public IEnumerable<TextPiece> Split(TextPiece piece) =>
        Splitting.Apply(piece, Splitting.RuneMatches(piece.Text, IsPunctuation), Behavior, invert: false);

    // Rust's is_ascii_punctuation (every printable ASCII character that is no letter or digit) or a Unicode P* category.
    private static bool IsPunctuation(Rune rune) =>
        (rune.Value is > 32 and < 127 && !char.IsAsciiLetterOrDigit((char)rune.Value)) ||
        Rune.GetUnicodeCategory(rune) is UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation or UnicodeCategory.OpenPunctuation
            or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation or UnicodeCategory.FinalQuotePunctuation or UnicodeCategory.OtherPunctuation;
}

internal sealed record SequencePreTokenizer(IReadOnlyList<IPreTokenizer> PreTokenizers) : IPreTokenizer
{
    public IEnumerable<TextPiece> Split(TextPiece piece) =>
        PreTokenizers.Aggregate((IEnumerable<TextPiece>)[piece], (pieces, preTokenizer) => pieces.SelectMany(preTokenizer.Split).ToList());
}

/// <summary>Hugging Face's <c>NormalizedString::split</c>: matches and the text between them, arranged by behavior.</summary>
internal static class Splitting
{
    public static IEnumerable<TextPiece> Apply(TextPiece piece, IEnumerable<(int Start, int Length)> matches, SplitBehavior behavior, bool invert)
    {
        var text = piece.Text;
        // The whole text as (start, end, is-match) regions.
        var regions = new List<(int Start, int End, bool Match)>();
        var previous = 0;
        foreach (var (start, length) in matches)
        {
            if (start > previous)
            {
                regions.Add((previous, start, invert));
            }

            regions.Add((start, start + length, !invert));
            previous = start + length;
        }

        if (previous < text.Length)
        {
            regions.Add((previous, text.Length, invert));
        }

        var kept = new List<(int Start, int End)>();
        var previousMatch = false;
        switch (behavior)
        {
            case SplitBehavior.Removed:
                kept.AddRange(regions.Where(r => !r.Match).Select(r => (r.Start, r.End)));
                break;
            case SplitBehavior.Isolated:
                kept.AddRange(regions.Select(r => (r.Start, r.End)));
                break;
            case SplitBehavior.Contiguous:
                foreach (var region in regions)
                {
                    if (kept.Count > 0 && region.Match == previousMatch)
                    {
                        kept[^1] = (kept[^1].Start, region.End);
                    }
                    else
                    {
                        kept.Add((region.Start, region.End));
                    }

                    previousMatch = region.Match;
                }

                break;
            case SplitBehavior.MergedWithPrevious:
                kept.AddRange(JoinMatchesToNeighbours(regions, (piece, match) => (piece.Start, match.End)));
                break;
            case SplitBehavior.MergedWithNext:
                var joined = JoinMatchesToNeighbours(Enumerable.Reverse(regions), (piece, match) => (match.Start, piece.End));
                joined.Reverse();
                kept.AddRange(joined);
                break;
        }

        return kept.Where(k => k.End > k.Start).Select(k => new TextPiece(text[k.Start..k.End], piece.AtStart && k.Start == 0));
    }

    /// <summary>
    /// Hugging Face's fold for the merged behaviors: walking the regions in the given order, a match joins the piece
    /// walked just before it, unless that one was a match too.
    /// </summary>
    private static List<(int Start, int End)> JoinMatchesToNeighbours(IEnumerable<(int Start, int End, bool Match)> regions, Func<(int Start, int End), (int Start, int End, bool Match), (int Start, int End)> join)
    {
        var kept = new List<(int Start, int End)>();
        var previousMatch = false;
        foreach (var region in regions)
        {
            if (region.Match && !previousMatch && kept.Count > 0)
            {
                kept[^1] = join(kept[^1], region);
            }
            else
            {
                kept.Add((region.Start, region.End));
            }

            previousMatch = region.Match;
        }

        return kept;
    }

    /// <summary>Each character for which the predicate holds, as a one-character match.</summary>
    public static IEnumerable<(int Start, int Length)> CharMatches(string text, Func<char, bool> predicate)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (predicate(text[i]))
            {
                yield return (i, 1);
            }
        }
    }

    /// <summary>Each code point for which the predicate holds, as a match of its UTF-16 length.</summary>
    public static IEnumerable<(int Start, int Length)> RuneMatches(string text, Func<Rune, bool> predicate)
    {
        var at = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            if (predicate(rune))
            {
                yield return (at, rune.Utf16SequenceLength);
            }

            at += rune.Utf16SequenceLength;
        }
    }
}
