using System.Text.RegularExpressions;
using EvalTests.Python;

namespace EvalTests.Scoring;

/// <summary>
/// OpenCompass's <c>match_answer_pattern</c>: group 1 of the first <c>re.search</c> hit of a Python pattern (no flags
/// beyond those the pattern sets, e.g. <c>(?i)</c>), else nothing.
/// </summary>
public sealed class MatchAnswerPatternPostprocessor : IAnswerPostprocessor
{
    private readonly Regex _pattern;

    /// <summary>Creates the postprocessor for a Python regular expression with at least one group.</summary>
    /// <exception cref="ArgumentException">The pattern is invalid or has no group.</exception>
    public MatchAnswerPatternPostprocessor(string answerPattern)
    {
        _pattern = PythonRegex.Compile(answerPattern);
        if (_pattern.GetGroupNumbers().Length < 2)
        {
            throw new ArgumentException($"answer_pattern '{answerPattern}' has no group: OpenCompass returns group 1 as the answer.");
        }
    }

    /// <inheritdoc/>
    public string Name => "match_answer_pattern";

    /// <inheritdoc/>
    public string Extract(string text) => _pattern.Match(text) is { Success: true } match ? match.Groups[1].Value : string.Empty;
}

/// <summary>OpenCompass's <c>last_option_postprocess</c>: the last character of the option set found anywhere in the text.</summary>
public sealed class LastOptionPostprocessor : IAnswerPostprocessor
{
    private readonly Regex _option;

    /// <summary>Creates the postprocessor for the option letters (e.g. <c>ABCD</c>), placed in a Python character class as upstream does.</summary>
    public LastOptionPostprocessor(string options) => _option = PythonRegex.Compile($"([{options}])");

    /// <inheritdoc/>
    public string Name => "last_option";

    /// <inheritdoc/>
    public string Extract(string text) => _option.Matches(text) is { Count: > 0 } matches ? matches[^1].Groups[1].Value : string.Empty;
}
