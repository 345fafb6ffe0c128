using System.Text;
using EvalTests.Python;

namespace EvalTests.Scoring;

/// <summary>
/// OpenCompass's <c>first_capital_postprocess</c>: the first character for which Python's <c>str.isupper()</c> holds,
/// with no filtering by option (so "The answer is C" gives "T").
/// </summary>
public sealed class FirstCapitalPostprocessor : IAnswerPostprocessor
{
    /// <inheritdoc/>
    public string Name => "first_capital";

    /// <inheritdoc/>
    public string Extract(string text) => text.EnumerateRunes().FirstOrDefault(PythonText.IsUpper) is { Value: not 0 } rune ? rune.ToString() : string.Empty;
}

/// <summary>OpenCompass's <c>last_capital_postprocess</c>: the last character for which <c>str.isupper()</c> holds.</summary>
public sealed class LastCapitalPostprocessor : IAnswerPostprocessor
{
    /// <inheritdoc/>
    public string Name => "last_capital";

    /// <inheritdoc/>
    public string Extract(string text) => text.EnumerateRunes().LastOrDefault(PythonText.IsUpper) is { Value: not 0 } rune ? rune.ToString() : string.Empty;
}

/// <summary>OpenCompass's <c>first_capital_postprocess_multi</c>: the first run of the letters A–D (<c>re.search('([A-D]+)')</c>).</summary>
public sealed class FirstCapitalMultiPostprocessor : IAnswerPostprocessor
{
    /// <inheritdoc/>
    public string Name => "first_capital_multi";

    /// <inheritdoc/>
    public string Extract(string text)
    {
        var start = text.AsSpan().IndexOfAnyInRange('A', 'D');
        if (start < 0)
        {
            return string.Empty;
        }

        var length = text.AsSpan(start).IndexOfAnyExceptInRange('A', 'D');
        return length < 0 ? text[start..] : text.Substring(start, length);
    }
}

/// <summary>
/// OpenCompass's <c>multiple_select_postprocess</c>: every character for which <c>str.isupper()</c> holds, once each, in
/// code point order (Python's <c>''.join(sorted(set(...)))</c>).
/// </summary>
public sealed class MultipleSelectPostprocessor : IAnswerPostprocessor
{
    /// <inheritdoc/>
    public string Name => "multiple_select";

    /// <inheritdoc/>
    public string Extract(string text)
    {
        var upper = new SortedSet<Rune>(text.EnumerateRunes().Where(PythonText.IsUpper));
        return string.Concat(upper.Select(r => r.ToString()));
    }
}
