using System.Globalization;
using EvalTests.Comparison;
using EvalTests.Reporting;

namespace EvalTests.Xunit.Runners.Snapshots;

/// <summary>
/// Compares a new model version's snapshot with the verified one, row by row, on the same questions: subsets with
/// exact McNemar, groups (naive averages) with the stratified paired bootstrap; see <see cref="RegressionGate"/>.
/// </summary>
internal static class SnapshotGate
{
    private static readonly string[] TableHeader = ["dataset", "baseline", "candidate", "delta", "p", "test", "n", "verdict"];

    public static IReadOnlyList<ScoreChange> Compare(ScoreSnapshotFile baseline, ScoreSnapshotFile candidate, IReadOnlyList<SummaryGroup> groups, GateSettings settings)
    {
        var changes = new List<ScoreChange>();
        var baselineRows = baseline.Rows.ToDictionary(r => r.Key, StringComparer.Ordinal);
        foreach (var row in candidate.Rows)
        {
            var score = row.Score ?? double.NaN;
            if (!baselineRows.TryGetValue(row.Key, out var old))
            {
                changes.Add(RegressionGate.NotCompared(row.Dataset, double.NaN, score, "not in the baseline"));
                continue;
            }

            var oldScore = old.Score ?? double.NaN;
            if (old.Version != row.Version)
            {
                changes.Add(RegressionGate.NotCompared(row.Dataset, oldScore, score, $"dataset version {old.Version} → {row.Version}"));
            }
            else if (groups.FirstOrDefault(g => g.Name == row.Dataset) is { } group)
            {
                changes.Add(CompareGroup(row.Dataset, group.Members, baseline, candidate, oldScore, score, settings));
            }
            else if (baseline.IsBinary(row.Dataset) && candidate.IsBinary(row.Dataset))
            {
                changes.Add(RegressionGate.CompareSubset(row.Dataset, baseline.Correctness(row.Dataset)!, candidate.Correctness(row.Dataset)!, oldScore, score, settings));
            }
            else
            {
                changes.Add(RegressionGate.NotCompared(row.Dataset, oldScore, score, Why(baseline, candidate, row.Dataset)));
            }
        }

        var candidateKeys = candidate.Rows.Select(r => r.Key).ToHashSet(StringComparer.Ordinal);
        changes.AddRange(baseline.Rows.Where(r => !candidateKeys.Contains(r.Key))
            .Select(r => RegressionGate.NotCompared(r.Dataset, r.Score ?? double.NaN, double.NaN, "not in this run")));
        return changes;
    }

    /// <summary>Whether a row's dataset version changed: then the baseline measured something else, and must be accepted again.</summary>
    public static bool VersionChanged(ScoreChange change) => change.Test.StartsWith("dataset version", StringComparison.Ordinal);

    /// <summary>The comparison as a table: old, new, Δ, p, test and verdict per subset and group.</summary>
    public static string Table(string baselineIdentity, string candidateIdentity, IReadOnlyList<ScoreChange> changes, GateSettings settings)
    {
        var table = new List<IReadOnlyList<string>> { TableHeader };
        table.AddRange(changes.Select(c => (IReadOnlyList<string>)[c.Dataset, Points(c.Baseline), Points(c.Candidate),
            double.IsNaN(c.Delta) ? "-" : c.Delta.ToString("+0.00;-0.00;0.00", CultureInfo.InvariantCulture),
            double.IsNaN(c.P) ? "-" : c.P.ToString("0.0000", CultureInfo.InvariantCulture),
            c.Test, c.Compared.ToString(CultureInfo.InvariantCulture), VerdictText(c.Verdict)]));
        return string.Create(CultureInfo.InvariantCulture,
            $"baseline {baselineIdentity} → candidate {candidateIdentity}; a drop fails when significant at {settings.Confidence:0.###} and larger than {settings.MaxDrop:0.##} points{Environment.NewLine}")
            + Tabulate.Simple(table, reformatNumbers: false);
    }

    public static string VerdictText(ChangeVerdict verdict) => verdict switch
    {
        ChangeVerdict.Unchanged => "same",
        ChangeVerdict.NotSignificant => "not significant",
        ChangeVerdict.Gain => "GAIN",
        ChangeVerdict.DropWithinAllowance => "drop within MaxDrop",
        ChangeVerdict.Regression => "REGRESSION",
        _ => "not compared",
    };

    private static ScoreChange CompareGroup(string dataset, IReadOnlyList<string> members, ScoreSnapshotFile baseline, ScoreSnapshotFile candidate, double oldScore, double score, GateSettings settings)
    {
        var subsets = new List<PairedSubset>();
        var oneSided = 0;
        foreach (var member in members)
        {
            if (!baseline.IsBinary(member) || !candidate.IsBinary(member))
            {
                return RegressionGate.NotCompared(dataset, oldScore, score, $"{member}: {Why(baseline, candidate, member)}");
            }

            var (pairs, absent) = RegressionGate.Pair(baseline.Correctness(member)!, candidate.Correctness(member)!);
            oneSided += absent;
            subsets.Add(new PairedSubset(member, [.. pairs.Select(p => p.Baseline ? 1.0 : 0.0)], [.. pairs.Select(p => p.Candidate ? 1.0 : 0.0)]));
        }

        return RegressionGate.CompareGroup(dataset, subsets, oneSided, oldScore, score, settings);
    }

    private static string Why(ScoreSnapshotFile baseline, ScoreSnapshotFile candidate, string dataset) =>
        !baseline.Outcomes.ContainsKey(dataset) ? "the baseline has no per-question outcomes (accept it again to record them)"
        : !candidate.Outcomes.ContainsKey(dataset) ? "no per-question outcomes in this run"
        : "a judged metric (no right-or-wrong per question)";

    private static string Points(double value) => double.IsNaN(value) ? "-" : value.ToString("0.00", CultureInfo.InvariantCulture);
}
