using EvalTests.Reporting;
using EvalTests.Scoring;

namespace EvalTests.Comparison;

/// <summary>One subset or group row of a <see cref="ScoreSheet"/>.</summary>
/// <param name="Dataset">The subset or group abbreviation.</param>
/// <param name="Version">The dataset version (<c>-</c> for a group).</param>
/// <param name="Metric">The metric (<c>accuracy</c>, <c>naive_average</c>, a judged metric).</param>
/// <param name="Score">The score in points, when there is one.</param>
public sealed record ScoreSheetRow(string Dataset, string Version, string Metric, double? Score)
{
    /// <summary>What identifies the row across two sheets.</summary>
    public string Key => $"{Dataset}|{Metric}";
}

/// <summary>
/// One model's scores on a set of subsets and groups, with every subset's per-question outcomes: what a comparison of
/// two model versions needs, read from a score snapshot or a run folder.
/// </summary>
/// <param name="Identity">The model identity.</param>
/// <param name="Rows">The subsets and groups, in display order.</param>
/// <param name="Outcomes">Per subset, one <see cref="OutcomeCodes"/> character per question in file order.</param>
/// <param name="Groups">The summary groups and their member subsets.</param>
public sealed record ScoreSheet(string Identity, IReadOnlyList<ScoreSheetRow> Rows, IReadOnlyDictionary<string, string> Outcomes, IReadOnlyList<SummaryGroup> Groups)
{
    /// <summary>Whether each question was answered correctly; null where absent or judged. Null when the subset has no outcomes.</summary>
    public IReadOnlyList<bool?>? Correctness(string dataset) =>
        Outcomes.TryGetValue(dataset, out var text) ? OutcomeCodes.Correctness(text) : null;

    /// <summary>Whether the subset's questions are right-or-wrong (accuracy) rather than judged.</summary>
    public bool IsBinary(string dataset) => Outcomes.TryGetValue(dataset, out var text) && OutcomeCodes.IsBinary(text);
}

/// <summary>
/// One character per question: <c>1</c> correct, <c>0</c> wrong, <c>u</c> unparsed, <c>e</c> errored, <c>j</c> judged,
/// <c>-</c> absent. Compact and diff-friendly, for snapshots and comparisons.
/// </summary>
public static class OutcomeCodes
{
    /// <summary>The legend, as snapshots print it.</summary>
    public const string Legend = "1 correct, 0 wrong, u unparsed, e errored, j judged, - absent";

    /// <summary>The characters of a subset's samples, by row index.</summary>
    public static string Encode(IEnumerable<(int Index, SampleOutcome Outcome)> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        var list = samples.ToList();
        var text = Enumerable.Repeat('-', list.Count == 0 ? 0 : list.Max(s => s.Index) + 1).ToArray();
        foreach (var (index, outcome) in list)
        {
            text[index] = Of(outcome);
        }

        return new string(text);
    }

    /// <summary>The character of one outcome.</summary>
    public static char Of(SampleOutcome outcome) => outcome switch
    {
        SampleOutcome.Correct => '1',
        SampleOutcome.Wrong => '0',
        SampleOutcome.Unparsed => 'u',
        SampleOutcome.Errored => 'e',
        _ => 'j',
    };

    /// <summary>Whether a text holds only outcome characters.</summary>
    public static bool IsValid(string text) => text.All(c => c is '1' or '0' or 'u' or 'e' or 'j' or '-');

    /// <summary>Correct or not per question; null where absent or judged.</summary>
    public static IReadOnlyList<bool?> Correctness(string text) =>
        [.. text.Select(c => c switch { '1' => true, '0' or 'u' or 'e' => false, _ => (bool?)null })];

    /// <summary>Whether no question is judged (every present one is right or wrong).</summary>
    public static bool IsBinary(string text) => !text.Contains('j', StringComparison.Ordinal);
}
