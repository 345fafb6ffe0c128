using System.Globalization;
using EvalTests.Reporting;

namespace EvalTests.Comparison;

/// <summary>
/// Compares a candidate's <see cref="ScoreSheet"/> with a baseline's, row by row, on the same questions: subsets with
/// exact McNemar, groups (naive averages) with the stratified paired bootstrap (<see cref="RegressionGate"/>).
/// </summary>
public static class ScoreComparer
{
    private static readonly string[] Header = ["dataset", "baseline", "candidate", "delta", "p", "test", "n", "verdict"];

    /// <summary>Every candidate row compared with the baseline's, then the baseline's rows the candidate lacks.</summary>
    public static IReadOnlyList<ScoreChange> Compare(ScoreSheet baseline, ScoreSheet candidate, GateSettings settings)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        ArgumentNullException.ThrowIfNull(candidate);
        ArgumentNullException.ThrowIfNull(settings);
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
            else if (candidate.Groups.FirstOrDefault(g => g.Name == row.Dataset) is { } group)
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
            .Select(r => RegressionGate.NotCompared(r.Dataset, r.Score ?? double.NaN, double.NaN, "not in the candidate")));
        return changes;
    }

    /// <summary>Whether a row's dataset version changed: the baseline measured something else.</summary>
    public static bool VersionChanged(ScoreChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        return change.Test.StartsWith("dataset version", StringComparison.Ordinal);
    }

    /// <summary>The comparison as a table, its first row the header: old, new, Δ, p, test, n and verdict per row.</summary>
    public static IReadOnlyList<IReadOnlyList<string>> Table(IReadOnlyList<ScoreChange> changes)
    {
        ArgumentNullException.ThrowIfNull(changes);
        var table = new List<IReadOnlyList<string>> { Header };
        table.AddRange(changes.Select(c => (IReadOnlyList<string>)[c.Dataset, Points(c.Baseline), Points(c.Candidate),
            double.IsNaN(c.Delta) ? "-" : c.Delta.ToString("+0.00;-0.00;0.00", CultureInfo.InvariantCulture),
            double.IsNaN(c.P) ? "-" : c.P.ToString("0.0000", CultureInfo.InvariantCulture),
            c.Test, c.Compared.ToString(CultureInfo.InvariantCulture), VerdictText(c.Verdict)]));
        return table;
    }

    /// <summary>The table as text, numbers as written, with a line naming both sides and the rule.</summary>
    public static string ToText(string baselineName, string candidateName, IReadOnlyList<ScoreChange> changes, GateSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return string.Create(CultureInfo.InvariantCulture,
            $"baseline {baselineName} → candidate {candidateName}; a drop fails when significant at {settings.Confidence:0.###} and larger than {settings.MaxDrop:0.##} points{Environment.NewLine}")
            + Tabulate.Simple(Table(changes), reformatNumbers: false);
    }

    /// <summary>How a verdict reads in tables.</summary>
    public static string VerdictText(ChangeVerdict verdict) => verdict switch
    {
        ChangeVerdict.Unchanged => "same",
        ChangeVerdict.NotSignificant => "not significant",
        ChangeVerdict.Gain => "GAIN",
        ChangeVerdict.DropWithinAllowance => "drop within MaxDrop",
        ChangeVerdict.Regression => "REGRESSION",
        _ => "not compared",
    };

    private static ScoreChange CompareGroup(string dataset, IReadOnlyList<string> members, ScoreSheet baseline, ScoreSheet candidate, double oldScore, double score, GateSettings settings)
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

    private static string Why(ScoreSheet baseline, ScoreSheet candidate, string dataset) =>
        !baseline.Outcomes.ContainsKey(dataset) ? "the baseline has no per-question outcomes"
        : !candidate.Outcomes.ContainsKey(dataset) ? "the candidate has no per-question outcomes"
        : "a judged metric (no right-or-wrong per question)";

    private static string Points(double value) => double.IsNaN(value) ? "-" : value.ToString("0.00", CultureInfo.InvariantCulture);
}
