using System.Globalization;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace EvalTests.Judging;

/// <summary>How a rating judge writes its score, named after OpenCompass's <c>AlignmentBenchSummarizer</c> judge types and MT-Bench.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RatingFormat>))]
public enum RatingFormat
{
    /// <summary>A dict of per-dimension scores with <c>综合得分</c> (<c>post_process_alignbench</c>, judge type <c>general</c>).</summary>
    [JsonStringEnumMemberName("alignbench")] AlignBench,

    /// <summary>A single score in brackets, <c>[[8]]</c> or <c>评分: [[8]]</c> (<c>post_process_autoj</c>, judge type <c>autoj</c>).</summary>
    [JsonStringEnumMemberName("autoj")] AutoJ,

    /// <summary>MT-Bench's single-answer grading, <c>Rating: [[8]]</c> (<c>post_process_mtbench_single</c>).</summary>
    [JsonStringEnumMemberName("mtbench")] MtBench,
}

/// <summary>Reads a rating judge's reply in its config's <see cref="RatingFormat"/>; null when the reply holds no rating.</summary>
public static partial class RatingReader
{
    /// <summary>The rating in <paramref name="judgement"/>, read as <paramref name="format"/> says, or null.</summary>
    public static Rating? Parse(RatingFormat format, string judgement) => format switch
    {
        // Upstream takes the first match in both single-score formats and checks no range (an autoj "[85]" is 85).
        RatingFormat.AutoJ => AutoJScore().Match(judgement) is { Success: true } m && int.TryParse(m.Groups[1].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var score)
            ? SingleScore(score)
            : null,
        RatingFormat.MtBench => MtBenchScore().Match(judgement) is { Success: true } m && double.TryParse(m.Groups[1].ValueSpan, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var score)
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
