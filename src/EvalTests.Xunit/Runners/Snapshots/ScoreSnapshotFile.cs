using System.Globalization;
using System.Text;
using EvalTests.Reporting;
using EvalTests.Comparison;
using EvalTests.Xunit.ObjectModel;

namespace EvalTests.Xunit.Runners.Snapshots;

/// <summary>One row of a snapshot's table: a subset or group score as the summary shows it, with its standard error and size.</summary>
internal sealed record SnapshotRow(string Dataset, string Version, string Metric, string Mode, double? Score, double? StandardError, int? Count)
{
    public string Key => $"{Dataset}|{Metric}";
}

/// <summary>
/// A <c>*.verified.txt</c> score snapshot: the model identity, one config's summary rows (score, standard error, n)
/// and, per subset, one character per question in file order, so that a new model version can be compared with the
/// baseline on the same questions. Plain text, one line per subset, so a diff shows what changed.
/// </summary>
internal sealed record ScoreSnapshotFile(string Model, string Identity, string Config, IReadOnlyList<SnapshotRow> Rows, IReadOnlyDictionary<string, string> Outcomes)
{
    private const string OutcomesHeading = "outcomes: one character per question in file order (" + OutcomeCodes.Legend + ")";

    /// <summary>The snapshot of what this run gave for the case's config.</summary>
    public static ScoreSnapshotFile From(EvalCase target, ModelEvaluation evaluation)
    {
        var result = evaluation.Result!;
        var rows = result.Summary.Rows
            .Where(r => BelongsTo(r.Dataset, target.Abbr))
            .Select(r => new SnapshotRow(r.Dataset, r.Version, r.Metric, r.Mode, Round(r.Scores[0]), Round(r.StandardErrors[0]), Count(r, result)))
            .ToList();
        var outcomes = result.Tasks
            .Where(t => BelongsTo(t.Task.Abbr, target.Abbr))
            .ToDictionary(t => t.Task.Abbr, t => OutcomeCodes.Encode(t.Samples.Select(x => (x.Index, x.Outcome))), StringComparer.Ordinal);
        return new ScoreSnapshotFile(target.Model, evaluation.Descriptor!.Identity, target.Config, rows, outcomes);

        int? Count(SummaryRow row, Runs.RunResult result)
        {
            var task = result.Tasks.FirstOrDefault(t => t.Task.Abbr == row.Dataset);
            if (task is not null)
            {
                return task.Samples.Count;
            }

            var group = evaluation.Plan!.Groups.FirstOrDefault(g => g.Name == row.Dataset);
            return group?.Members.Sum(m => result.Tasks.FirstOrDefault(t => t.Task.Abbr == m)?.Samples.Count ?? 0);
        }
    }

    /// <summary>The scores as a comparison reads them, with the run's summary groups.</summary>
    public ScoreSheet ToSheet(IReadOnlyList<SummaryGroup> groups) =>
        new(Identity, [.. Rows.Select(r => new ScoreSheetRow(r.Dataset, r.Version, r.Metric, r.Score))], Outcomes, groups);

    public string Render()
    {
        var table = new List<IReadOnlyList<string>> { new[] { "dataset", "version", "metric", "mode", Model, "stderr", "n" } };
        table.AddRange(Rows.Select(r => (IReadOnlyList<string>)[r.Dataset, r.Version, r.Metric, r.Mode, Format(r.Score), Format(r.StandardError),
            r.Count?.ToString(CultureInfo.InvariantCulture) ?? "-"]));
        var text = new StringBuilder()
            .Append("model: ").Append(Model).Append('\n')
            .Append("identity: ").Append(Identity).Append('\n')
            .Append("dataset: ").Append(Config).Append('\n')
            .Append('\n')
            .Append(Tabulate.Simple(table)).Append('\n');
        if (Outcomes.Count > 0)
        {
            var width = Outcomes.Keys.Max(k => k.Length) + 2;
            text.Append('\n').Append(OutcomesHeading).Append('\n');
            foreach (var (dataset, outcomes) in Outcomes)
            {
                text.Append(dataset.PadRight(width)).Append(outcomes).Append('\n');
            }
        }

        return text.ToString();
    }

    /// <summary>Reads a snapshot; a line that is not of the format fails naming the file and line.</summary>
    /// <exception cref="InvalidDataException">The text is not a score snapshot.</exception>
    public static ScoreSnapshotFile Parse(string path, string text)
    {
        var lines = text.ReplaceLineEndings("\n").Split('\n');
        var header = new Dictionary<string, string>(StringComparer.Ordinal);
        var at = 0;
        for (; at < lines.Length && lines[at].Length > 0; at++)
        {
            var colon = lines[at].IndexOf(": ", StringComparison.Ordinal);
            if (colon <= 0)
            {
                throw Invalid(path, at, "expected 'key: value' (model, identity, dataset) before the first empty line");
            }

            header[lines[at][..colon]] = lines[at][(colon + 2)..];
        }

        foreach (var key in new[] { "model", "identity", "dataset" })
        {
            if (!header.ContainsKey(key))
            {
                throw Invalid(path, 0, $"the header has no '{key}:' line");
            }
        }

        var rows = new List<SnapshotRow>();
        // The table: a header row and a dashes row, then one row per subset or group.
        for (at += 3; at < lines.Length && lines[at].Length > 0; at++)
        {
            var cells = lines[at].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (cells.Length is < 5 or > 7)
            {
                throw Invalid(path, at, $"expected a table row 'dataset version metric mode score stderr n', found {cells.Length} cells");
            }

            rows.Add(new SnapshotRow(cells[0], cells[1], cells[2], cells[3], Number(cells[4]), cells.Length > 5 ? Number(cells[5]) : null,
                cells.Length > 6 && int.TryParse(cells[6], NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null));
        }

        var outcomes = new Dictionary<string, string>(StringComparer.Ordinal);
        for (at++; at < lines.Length; at++)
        {
            if (lines[at].Length == 0 || lines[at].StartsWith("outcomes:", StringComparison.Ordinal))
            {
                continue;
            }

            var cells = lines[at].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (cells.Length != 2 || !OutcomeCodes.IsValid(cells[1]))
            {
                throw Invalid(path, at, "expected an outcomes line 'subset 10u1…' (1 correct, 0 wrong, u unparsed, e errored, j judged, - absent)");
            }

            outcomes[cells[0]] = cells[1];
        }

        return new ScoreSnapshotFile(header["model"], header["identity"], header["dataset"], rows, outcomes);
    }

    internal static bool BelongsTo(string dataset, string prefix) =>
        dataset == prefix || dataset.StartsWith(prefix + "-", StringComparison.Ordinal);

    // Two decimals, formatted as the summary formats them: the snapshot compares what a reader sees.
    private static double? Round(double? value) => value is { } v && !double.IsNaN(v) ? Number(Format(v)) : null;

    private static string Format(double? value) => value?.ToString("F2", CultureInfo.InvariantCulture) ?? "-";

    private static double? Number(string cell) =>
        double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : null;

    private static InvalidDataException Invalid(string path, int line, string expected) =>
        new($"{path}:{line + 1}: not a score snapshot: {expected}. Delete the file and accept the scores again (EVALTESTS_ACCEPT=1).");
}
