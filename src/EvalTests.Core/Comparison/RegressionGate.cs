namespace EvalTests.Comparison;

/// <summary>How strict a comparison of a candidate with its baseline is.</summary>
/// <param name="MaxDrop">The largest drop, in points, that passes even when significant.</param>
/// <param name="Confidence">The confidence a drop must be significant at to fail (0.95: p &lt; 0.05).</param>
public sealed record GateSettings(double MaxDrop = 0, double Confidence = 0.95)
{
    /// <summary>The significance level, 1 − <see cref="Confidence"/>.</summary>
    public double Alpha => 1 - Confidence;
}

/// <summary>What a comparison concluded.</summary>
public enum ChangeVerdict
{
    /// <summary>Every compared question scored the same on both sides.</summary>
    Unchanged,

    /// <summary>The scores differ, but not significantly.</summary>
    NotSignificant,

    /// <summary>A significant gain.</summary>
    Gain,

    /// <summary>A significant drop no larger than the allowed drop.</summary>
    DropWithinAllowance,

    /// <summary>A significant drop larger than the allowed drop: the gate fails.</summary>
    Regression,

    /// <summary>Not compared (no question in common, a changed dataset version, or no per-question scores).</summary>
    NotCompared,
}

/// <summary>The comparison of one subset or group between a baseline and a candidate.</summary>
/// <param name="Dataset">The subset or group.</param>
/// <param name="Baseline">The baseline's recorded score (points).</param>
/// <param name="Candidate">The candidate's score (points).</param>
/// <param name="Delta">The paired change on the compared questions (points); NaN when not compared.</param>
/// <param name="P">The two-sided p-value; NaN when not compared.</param>
/// <param name="Test">The test used: <c>mcnemar</c>, <c>bootstrap</c> or why none was.</param>
/// <param name="Compared">Questions answered on both sides.</param>
/// <param name="OneSided">Questions present on one side only (reported, not compared).</param>
/// <param name="Verdict">The conclusion under the gate's settings.</param>
public sealed record ScoreChange(string Dataset, double Baseline, double Candidate, double Delta, double P, string Test, int Compared, int OneSided, ChangeVerdict Verdict)
{
    /// <summary>The paired bootstrap's percentile interval of <see cref="Delta"/> at the gate's confidence (points); NaN when not compared.</summary>
    public (double Low, double High) Interval { get; init; } = (double.NaN, double.NaN);

    /// <summary>Whether this change fails the gate.</summary>
    public bool Fails => Verdict == ChangeVerdict.Regression;
}

/// <summary>
/// The regression gate between two model versions on the same questions: exact McNemar for a subset's accuracy,
/// a stratified paired bootstrap for a group's mean. A change fails only when it is a significant drop larger than
/// <see cref="GateSettings.MaxDrop"/>.
/// </summary>
public static class RegressionGate
{
    /// <summary>Compares a subset's per-question correctness; index i of both lists is the same question.</summary>
    /// <param name="dataset">The subset.</param>
    /// <param name="baseline">The baseline's correctness per question (null where it has no answer for that question).</param>
    /// <param name="candidate">The candidate's correctness per question (null where absent).</param>
    /// <param name="baselineScore">The baseline's recorded score.</param>
    /// <param name="candidateScore">The candidate's score.</param>
    /// <param name="settings">The gate's settings.</param>
    public static ScoreChange CompareSubset(string dataset, IReadOnlyList<bool?> baseline, IReadOnlyList<bool?> candidate, double baselineScore, double candidateScore, GateSettings settings)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        ArgumentNullException.ThrowIfNull(candidate);
        ArgumentNullException.ThrowIfNull(settings);
        var (pairs, oneSided) = Pair(baseline, candidate);
        if (pairs.Count == 0)
        {
            return NotCompared(dataset, baselineScore, candidateScore, "no question in common", oneSided);
        }

        var lost = pairs.Count(p => p.Baseline && !p.Candidate);
        var gained = pairs.Count(p => !p.Baseline && p.Candidate);
        var delta = 100.0 * (gained - lost) / pairs.Count;
        var p = ExactBinomial.McNemarTwoSided(lost, gained);
        var verdict = lost + gained == 0 ? ChangeVerdict.Unchanged : Decide(delta, p, settings);
        var interval = PairedBootstrap.Compare([new PairedSubset(dataset, [.. pairs.Select(x => x.Baseline ? 1.0 : 0.0)], [.. pairs.Select(x => x.Candidate ? 1.0 : 0.0)])],
            confidence: settings.Confidence);
        return new ScoreChange(dataset, baselineScore, candidateScore, delta, p, "mcnemar", pairs.Count, oneSided, verdict) { Interval = (interval.Low, interval.High) };
    }

    /// <summary>Compares a group's naive average over its subsets' paired questions.</summary>
    public static ScoreChange CompareGroup(string dataset, IReadOnlyList<PairedSubset> subsets, int oneSided, double baselineScore, double candidateScore, GateSettings settings)
    {
        ArgumentNullException.ThrowIfNull(subsets);
        ArgumentNullException.ThrowIfNull(settings);
        var compared = subsets.Sum(s => s.Baseline.Count);
        if (subsets.Count == 0 || subsets.Any(s => s.Baseline.Count == 0))
        {
            return NotCompared(dataset, baselineScore, candidateScore, "a member subset has no question in common", oneSided);
        }

        var unchanged = subsets.All(s => s.Baseline.SequenceEqual(s.Candidate));
        var estimate = PairedBootstrap.Compare(subsets, confidence: settings.Confidence);
        var verdict = unchanged ? ChangeVerdict.Unchanged : Decide(estimate.Delta, estimate.P, settings);
        return new ScoreChange(dataset, baselineScore, candidateScore, estimate.Delta, estimate.P, "bootstrap", compared, oneSided, verdict) { Interval = (estimate.Low, estimate.High) };
    }

    /// <summary>A row that cannot be compared, and why.</summary>
    public static ScoreChange NotCompared(string dataset, double baselineScore, double candidateScore, string why, int oneSided = 0) =>
        new(dataset, baselineScore, candidateScore, double.NaN, double.NaN, why, 0, oneSided, ChangeVerdict.NotCompared);

    /// <summary>The questions answered on both sides, and how many only one side has.</summary>
    public static (List<(bool Baseline, bool Candidate)> Pairs, int OneSided) Pair(IReadOnlyList<bool?> baseline, IReadOnlyList<bool?> candidate)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        ArgumentNullException.ThrowIfNull(candidate);
        var pairs = new List<(bool, bool)>();
        var oneSided = 0;
        for (var i = 0; i < Math.Max(baseline.Count, candidate.Count); i++)
        {
            var b = i < baseline.Count ? baseline[i] : null;
            var c = i < candidate.Count ? candidate[i] : null;
            if (b is { } old && c is { } now)
            {
                pairs.Add((old, now));
            }
            else if (b is not null || c is not null)
            {
                oneSided++;
            }
        }

        return (pairs, oneSided);
    }

    private static ChangeVerdict Decide(double delta, double p, GateSettings settings) =>
        p >= settings.Alpha || delta == 0 ? ChangeVerdict.NotSignificant
        : delta > 0 ? ChangeVerdict.Gain
        : -delta > settings.MaxDrop ? ChangeVerdict.Regression
        : ChangeVerdict.DropWithinAllowance;
}
