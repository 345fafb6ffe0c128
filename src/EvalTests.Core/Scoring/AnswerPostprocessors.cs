using System.Text;
using System.Text.RegularExpressions;

namespace EvalTests.Scoring;

/// <summary>Turns a model's text into the option it chose; an empty string means nothing could be extracted.</summary>
public interface IAnswerPostprocessor
{
    /// <summary>The name configs use (e.g. <c>first_capital</c>).</summary>
    string Name { get; }

    /// <summary>Extracts the answer.</summary>
    string Extract(string text);
}

/// <summary>The answer postprocessors of OpenCompass, by name.</summary>
public static class AnswerPostprocessors
{
    private static readonly Dictionary<string, IAnswerPostprocessor> ByName = new IAnswerPostprocessor[]
    {
        new FirstCapitalPostprocessor(),
        new FirstOptionPostprocessor("ABCD", corrected: false),
        new FirstOptionPostprocessor("ABCD", corrected: true),
        new Gsm8kPostprocessor(),
        new Gsm8kGoldPostprocessor(),
    }.ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);

    /// <summary>The known names.</summary>
    public static IEnumerable<string> Names => ByName.Keys;

    /// <summary>Finds a postprocessor by name.</summary>
    /// <exception cref="ArgumentException">No postprocessor has that name.</exception>
    public static IAnswerPostprocessor Get(string name) =>
        ByName.TryGetValue(name, out var postprocessor)
            ? postprocessor
            : throw new ArgumentException($"Unknown postprocessor '{name}'. Known: {string.Join(", ", ByName.Keys)}.", nameof(name));
}

/// <summary>
/// OpenCompass's <c>first_capital_postprocess</c>: the first character for which Python's <c>str.isupper()</c> holds,
/// with no filtering by option (so "The answer is C" gives "T").
/// </summary>
public sealed class FirstCapitalPostprocessor : IAnswerPostprocessor
{
    /// <inheritdoc/>
    public string Name => "first_capital";

    /// <inheritdoc/>
    public string Extract(string text)
    {
        foreach (var rune in text.EnumerateRunes())
        {
            if (IsPythonUpper(rune))
            {
                return rune.ToString();
            }
        }

        return string.Empty;
    }

    // Python's isupper() on one character is true for Lu letters and for the Other_Uppercase symbols
    // (circled and parenthesised capitals, Roman numerals), which .NET files under other categories.
    private static bool IsPythonUpper(Rune rune) =>
        Rune.IsUpper(rune) ||
        rune.Value is >= 0x2160 and <= 0x216F ||
        rune.Value is >= 0x24B6 and <= 0x24CF ||
        rune.Value is >= 0x1F130 and <= 0x1F149 ||
        rune.Value is >= 0x1F150 and <= 0x1F169 ||
        rune.Value is >= 0x1F170 and <= 0x1F189;
}

/// <summary>
/// OpenCompass's <c>first_option_postprocess</c>: tries its patterns in order on the stripped text and returns the first
/// option letter (in option order) found in the first match. The compatible variant keeps OpenCompass's missing comma,
/// which fuses two patterns into <c>故选?\s*([ABCD])只有选?项?\s?([ABCD])\s?是?对</c>; the corrected variant
/// (<c>first_option_corrected</c>) splits them as intended.
/// </summary>
public sealed class FirstOptionPostprocessor : IAnswerPostprocessor
{
    private readonly string _options;
    private readonly Regex[] _patterns;

    /// <summary>Creates the postprocessor for the given option letters.</summary>
    public FirstOptionPostprocessor(string options, bool corrected)
    {
        _options = options;
        Name = corrected ? "first_option_corrected" : "first_option";
        _patterns = Patterns(options, corrected)
            .Select(p => new Regex(p, RegexOptions.Singleline | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)))
            .ToArray();
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <inheritdoc/>
    public string Extract(string text)
    {
        text = text.Trim(PythonWhitespace);
        foreach (var pattern in _patterns)
        {
            var match = pattern.Match(text);
            if (!match.Success)
            {
                continue;
            }

            var found = match.Groups.Count > 1 && match.Groups[1].Success && match.Groups[1].Value.Length > 0
                ? match.Groups[1].Value
                : match.Value;
            foreach (var option in _options)
            {
                if (found.Contains(option, StringComparison.Ordinal))
                {
                    return option.ToString();
                }
            }
        }

        return string.Empty;
    }

    // Python's str.strip() with no argument strips Unicode whitespace, as char.IsWhiteSpace knows it,
    // plus the separators U+001C..U+001F.
    private static readonly char[] PythonWhitespace = Enumerable.Range(0, 0x3001)
        .Select(i => (char)i)
        .Where(c => char.IsWhiteSpace(c) || c is >= '\x1C' and <= '\x1F')
        .ToArray();

    private static IEnumerable<string> Patterns(string o, bool corrected)
    {
        string[] head =
        [
            $@"答案是?\s*([{o}])",
            $@"答案是?\s*：\s*([{o}])",
            $@"答案是?\s*:\s*([{o}])",
            $@"答案选项应?该?是\s*([{o}])",
            $@"答案选项应?该?为\s*([{o}])",
            $@"答案应该?是\s*([{o}])",
            $@"答案应该?选\s*([{o}])",
            $@"答案选项为?\s*：\s*([{o}])",
            $@"答案选项为?\s+\(?\*?\*?([{o}])\*?\*?\)?",
            $@"答案选项是?\s*:\s*([{o}])",
            $@"答案为\s*([{o}])",
            $@"答案选\s*([{o}])",
            $@"选择?\s*([{o}])",
        ];
        string[] fused = corrected
            ? [$@"故选?\s*([{o}])", $@"只有选?项?\s?([{o}])\s?是?对"]
            : [$@"故选?\s*([{o}])只有选?项?\s?([{o}])\s?是?对"];
        string[] tail =
        [
            $@"只有选?项?\s?([{o}])\s?是?错",
            $@"只有选?项?\s?([{o}])\s?不?正确",
            $@"只有选?项?\s?([{o}])\s?错误",
            $@"说法不?对选?项?的?是\s?([{o}])",
            $@"说法不?正确选?项?的?是\s?([{o}])",
            $@"说法错误选?项?的?是\s?([{o}])",
            $@"([{o}])\s?是正确的",
            $@"([{o}])\s?是正确答案",
            $@"选项\s?([{o}])\s?正确",
            $@"所以答\s?([{o}])",
            $@"所以\s?([{o}][.。$]?$)",
            $@"所有\s?([{o}][.。$]?$)",
            $@"[\s，：:,]([{o}])[。，,\.]?$",
            $@"[\s，,：:][故即]([{o}])[。\.]?$",
            $@"[\s，,：:]因此([{o}])[。\.]?$",
            $@"[是为。]\s?([{o}])[。\.]?$",
            $@"因此\s?([{o}])[。\.]?$",
            $@"显然\s?([{o}])[。\.]?$",
            @"答案是\s?(\S+)(?:。|$)",
            @"答案应该是\s?(\S+)(?:。|$)",
            @"答案为\s?(\S+)(?:。|$)",
            $@"(?i)ANSWER\s*:\s*([{o}])",
            $@"[Tt]he answer is:?\s+\(?([{o}])\)?",
            $@"[Tt]he answer is:?\s+\(?\*?\*?([{o}])\*?\*?\)?",
            $@"[Tt]he answer is option:?\s+\(?([{o}])\)?",
            $@"[Tt]he correct answer is:?\s+\(?([{o}])\)?",
            $@"[Tt]he correct answer is option:?\s+\(?([{o}])\)?",
            $@"[Tt]he correct answer is:?.*?boxed\{{([{o}])\}}",
            $@"[Tt]he correct option is:?.*?boxed\{{([{o}])\}}",
            $@"[Tt]he correct answer option is:?.*?boxed\{{([{o}])\}}",
            $@"[Tt]he answer to the question is:?\s+\(?([{o}])\)?",
            $@"^选项\s?([{o}])",
            $@"^([{o}])\s?选?项",
            $@"(\s|^)[{o}][\s。，,：:\.$]",
            @"1.\s?(.*?)$",
            $@"1.\s?([{o}])[.。$]?$",
            $@"([{o}]):",
            $@"([{o}])",
        ];
        return head.Concat(fused).Concat(tail);
    }
}

/// <summary>
/// OpenCompass's <c>gsm8k_postprocess</c>: the last number (<c>-?\d+\.\d+|-?\d+</c>) before any <c>Question:</c> the
/// model went on to write. Where OpenCompass returns <c>NULL</c> this returns nothing, so the answer counts as unparsed.
/// </summary>
public sealed partial class Gsm8kPostprocessor : IAnswerPostprocessor
{
    /// <inheritdoc/>
    public string Name => "gsm8k";

    /// <inheritdoc/>
    public string Extract(string text)
    {
        var cut = text.IndexOf("Question:", StringComparison.Ordinal);
        var numbers = Number().Matches(cut >= 0 ? text[..cut] : text);
        return numbers.Count == 0 ? string.Empty : numbers[^1].Value;
    }

    [GeneratedRegex(@"\-?\d+\.\d+|\-?\d+", RegexOptions.CultureInvariant)]
    private static partial Regex Number();
}

/// <summary>OpenCompass's <c>gsm8k_dataset_postprocess</c> for the gold answer: the text after <c>#### </c>, commas removed.</summary>
public sealed class Gsm8kGoldPostprocessor : IAnswerPostprocessor
{
    /// <inheritdoc/>
    public string Name => "gsm8k_dataset";

    /// <inheritdoc/>
    public string Extract(string text)
    {
        // Python's text.split('#### ')[1]: the part between the first and any second marker.
        var parts = text.Split("#### ");
        return parts.Length > 1 ? parts[1].Replace(",", string.Empty, StringComparison.Ordinal) : string.Empty;
    }
}
