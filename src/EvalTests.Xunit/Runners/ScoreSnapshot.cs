using System.Globalization;
using System.Text;
using DiffPlex.DiffBuilder;
using DiffPlex.DiffBuilder.Model;
using EvalTests.Reporting;
using EvalTests.Xunit.ObjectModel;
using EvalTests.Xunit.Planning;
using Xunit;

namespace EvalTests.Xunit.Runners;

/// <summary>
/// Verify-style score snapshots: <c>&lt;model&gt;.&lt;config&gt;.verified.txt</c> beside the test project holds the
/// model identity and the OpenCompass summary rows of that config. A changed score beyond the tolerance fails, writes
/// <c>.received.txt</c> and shows the diff; <c>EVALTESTS_ACCEPT=1</c> accepts.
/// </summary>
internal static class ScoreSnapshot
{
    public const string AcceptVariable = "EVALTESTS_ACCEPT";

    public static void Verify(EvalCase target, ModelEvaluation evaluation, EvalPlanFile plan, ITestOutputHelper? output)
    {
        var directory = plan.SnapshotDirectory ?? Path.Combine(AppContext.BaseDirectory, "snapshots");
        Directory.CreateDirectory(directory);
        var name = $"{target.Model}.{target.ConfigShortName}";
        var verifiedPath = Path.Combine(directory, name + ".verified.txt");
        var receivedPath = Path.Combine(directory, name + ".received.txt");
        var received = Render(target, evaluation);
        var verified = File.Exists(verifiedPath) ? File.ReadAllText(verifiedPath).ReplaceLineEndings("\n") : null;

        if (verified is not null && Matches(verified, received, plan, out var reason))
        {
            File.Delete(receivedPath);
            output?.WriteLine($"snapshot {verifiedPath}: scores match{reason}");
            return;
        }

        if (Environment.GetEnvironmentVariable(AcceptVariable) is "1" or "true")
        {
            File.WriteAllText(verifiedPath, received);
            File.Delete(receivedPath);
            output?.WriteLine($"snapshot {verifiedPath}: accepted ({AcceptVariable})");
            return;
        }

        File.WriteAllText(receivedPath, received);
        var diff = InlineDiffBuilder.Diff(verified ?? string.Empty, received).Lines
            .Where(l => l.Type != ChangeType.Unchanged)
            .Select(l => (l.Type == ChangeType.Inserted ? "+ " : "- ") + l.Text);
        Assert.Fail(
            $"{target.Name} [{target.Model}, {target.ConfigShortName}]: {(verified is null ? "no verified snapshot yet" : "scores changed")}.{Environment.NewLine}" +
            $"verified: {verifiedPath}{Environment.NewLine}received: {receivedPath}{Environment.NewLine}" +
            string.Join(Environment.NewLine, diff) + Environment.NewLine +
            $"Accept the received scores with {AcceptVariable}=1 (e.g. `{AcceptVariable}=1 dotnet test`), or copy the received file over the verified one.");
    }

    /// <summary>The snapshot text: identity lines, then the config's rows in OpenCompass's table format.</summary>
    public static string Render(EvalCase target, ModelEvaluation evaluation)
    {
        var result = evaluation.Result!;
        var rows = result.Summary.Rows.Where(r => BelongsTo(r.Dataset, target.Abbr)).ToList();
        // OpenCompass's columns, plus the standard error so that a tolerance in standard errors has something to use.
        var table = new List<IReadOnlyList<string>> { new[] { "dataset", "version", "metric", "mode", target.Model, "stderr" } };
        table.AddRange(rows.Select(r => (IReadOnlyList<string>)[r.Dataset, r.Version, r.Metric, r.Mode,
            r.Scores[0] is { } v ? v.ToString("F2", CultureInfo.InvariantCulture) : "-",
            r.StandardErrors[0] is { } e ? e.ToString("F2", CultureInfo.InvariantCulture) : "-"]));
        return new StringBuilder()
            .Append("model: ").Append(target.Model).Append('\n')
            .Append("identity: ").Append(evaluation.Descriptor!.Identity).Append('\n')
            .Append("dataset: ").Append(target.Config).Append('\n')
            .Append('\n')
            .Append(Tabulate.Simple(table)).Append('\n')
            .ToString();
    }

    private static bool BelongsTo(string dataset, string prefix) =>
        dataset == prefix || dataset.StartsWith(prefix + "-", StringComparison.Ordinal);

    /// <summary>Comparable (same identity lines, same rows and versions) and every score within the tolerance.</summary>
    internal static bool Matches(string verified, string received, EvalPlanFile plan, out string reason)
    {
        reason = string.Empty;
        if (verified == received)
        {
            return true;
        }

        var (verifiedHeader, verifiedRows) = Parse(verified);
        var (receivedHeader, receivedRows) = Parse(received);
        if (verifiedHeader != receivedHeader || !verifiedRows.Keys.ToHashSet().SetEquals(receivedRows.Keys))
        {
            return false;
        }

        var tolerance = plan.SnapshotTolerancePoints;
        foreach (var (key, (version, score, _)) in receivedRows)
        {
            var (verifiedVersion, verifiedScore, _) = verifiedRows[key];
            if (version != verifiedVersion || score is null != verifiedScore is null)
            {
                return false;
            }

            if (score is { } s && verifiedScore is { } v)
            {
                var allowed = Math.Max(tolerance, plan.SnapshotToleranceStandardErrors * (verifiedRows[key].StandardError ?? 0));
                if (Math.Abs(s - v) > allowed + 1e-9)
                {
                    return false;
                }
            }
        }

        reason = string.Create(CultureInfo.InvariantCulture, $" within tolerance ({tolerance:F2} points, {plan.SnapshotToleranceStandardErrors:F2} standard errors)");
        return true;
    }

    private static (string Header, Dictionary<string, (string Version, double? Score, double? StandardError)> Rows) Parse(string text)
    {
        var lines = text.Split('\n');
        var header = string.Join("\n", lines.TakeWhile(l => l.Length > 0));
        var rows = new Dictionary<string, (string, double?, double?)>(StringComparer.Ordinal);
        foreach (var line in lines.SkipWhile(l => l.Length > 0).Skip(3).Where(l => l.Length > 0))
        {
            var cells = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (cells.Length < 5)
            {
                continue;
            }

            double? score = double.TryParse(cells[4], NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : null;
            double? error = cells.Length > 5 && double.TryParse(cells[5], NumberStyles.Float, CultureInfo.InvariantCulture, out var se) ? se : null;
            rows[$"{cells[0]}|{cells[2]}"] = (cells[1], score, error);
        }

        return (header, rows);
    }
}
