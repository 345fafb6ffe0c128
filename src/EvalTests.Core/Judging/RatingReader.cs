using System.Text.RegularExpressions;
using EvalTests.Datasets;
using EvalTests.Python;

namespace EvalTests.Judging;

/// <summary>Reads a rating judge's reply in its config's <see cref="RatingFormat"/>; null when the reply holds no rating.</summary>
public static partial class RatingReader
{
    /// <summary>The rating in <paramref name="judgement"/>, read as <paramref name="format"/> says, or null.</summary>
    public static Rating? Parse(RatingFormat format, string judgement) => format switch
    {
        // Upstream takes the first match in both single-score formats and checks no range (an autoj "[85]" is 85).
        RatingFormat.AutoJ => AutoJScore().Match(judgement) is { Success: true } m && PythonNumber.TryParseInt(m.Groups[1].Value, out var score)
            ? SingleScore(score)
            : null,
        RatingFormat.MtBench => MtBenchScore().Match(judgement) is { Success: true } m && PythonNumber.TryParseFloat(m.Groups[1].Value, out var score)
            ? SingleScore(score)
            : null,
        _ => AlignBenchRating.Parse(judgement),
    };

    private static Rating SingleScore(double score) => new(score, new Dictionary<string, double>());

    [GeneratedRegex(@"\[(\d+)\]", RegexOptions.CultureInvariant)]
    private static partial Regex AutoJScore();

    [GeneratedRegex(@"Rating:\s*\[\[([\d.]+)\]\]", RegexOptions.CultureInvariant)]
    private static partial Regex MtBenchScore();
}
