using System.Collections.Concurrent;
using System.Globalization;
using EvalTests.Reporting;

namespace EvalTests.Xunit.Reporting;

/// <summary>One evaluated subset or group as the end-of-run table shows it.</summary>
/// <param name="Dataset">The run's abbreviation of the subset or group.</param>
/// <param name="Model">The model.</param>
/// <param name="Mode">gen or ppl.</param>
/// <param name="Score">The score (points).</param>
/// <param name="StandardError">Its standard error.</param>
/// <param name="Count">Questions.</param>
/// <param name="Threshold">The threshold that applied, or "-".</param>
/// <param name="Verdict">pass, or why the case failed.</param>
internal sealed record CaseReport(string Dataset, string Model, string Mode, double Score, double StandardError, int Count, string Threshold, string Verdict);

/// <summary>
/// What the cases of this test run concluded, collected as they finish, for the table printed at the end of the run
/// (<see cref="ScoresReport"/>): score ± standard error, n, threshold and verdict, and the snapshot's verdict.
/// </summary>
internal static class SessionReport
{
    private static readonly string[] Header = ["dataset", "model", "mode", "score", "stderr", "n", "threshold", "verdict", "snapshot"];
    private static readonly ConcurrentQueue<CaseReport> Cases = new();
    private static readonly ConcurrentDictionary<(string Model, string Dataset), string> Snapshots = new();

    public static void AddCase(CaseReport report) => Cases.Enqueue(report);

    public static void AddSnapshot(string model, IEnumerable<(string Dataset, string Verdict)> rows)
    {
        foreach (var (dataset, verdict) in rows)
        {
            Snapshots[(model, dataset)] = verdict;
        }
    }

    public static bool IsEmpty => Cases.IsEmpty && Snapshots.IsEmpty;

    /// <summary>The table, its first row the header: one row per evaluated subset or group and model.</summary>
    public static IReadOnlyList<IReadOnlyList<string>> Table()
    {
        var table = new List<IReadOnlyList<string>> { Header };
        var listed = new HashSet<(string, string)>();
        foreach (var c in Cases)
        {
            listed.Add((c.Model, c.Dataset));
            table.Add([c.Dataset, c.Model, c.Mode, Points(c.Score), Points(c.StandardError), c.Count.ToString(CultureInfo.InvariantCulture),
                c.Threshold, c.Verdict, Snapshots.GetValueOrDefault((c.Model, c.Dataset), "-")]);
        }

        // Rows only a snapshot case covered (a run filtered to snapshots).
        foreach (var ((model, dataset), verdict) in Snapshots.OrderBy(s => s.Key.Model, StringComparer.Ordinal).ThenBy(s => s.Key.Dataset, StringComparer.Ordinal))
        {
            if (!listed.Contains((model, dataset)))
            {
                table.Add([dataset, model, "-", "-", "-", "-", "-", "-", verdict]);
            }
        }

        return table;
    }

    public static string ToText() => Tabulate.Simple(Table(), reformatNumbers: false);

    public static string ToMarkdown() => Tabulate.Markdown(Table());

    private static string Points(double value) => double.IsNaN(value) ? "-" : value.ToString("F2", CultureInfo.InvariantCulture);
}
