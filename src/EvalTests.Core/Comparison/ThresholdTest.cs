namespace EvalTests.Comparison;

/// <summary>
/// Noise-aware thresholds: a score fails its minimum only when it is below it with the given confidence (one-sided),
/// so that a small subset's chance dip does not fail as hard as a collapse.
/// </summary>
public static class ThresholdTest
{
    /// <summary>
    /// The one-sided p-value of "the true accuracy is at least <paramref name="minAccuracy"/>" after
    /// <paramref name="correct"/> of <paramref name="total"/>: P(X ≤ correct) for X ~ Binomial(total, min), exact.
    /// </summary>
    public static double SubsetP(int correct, int total, double minAccuracy) =>
        ExactBinomial.LowerTail(correct, total, decimal.Round((decimal)minAccuracy, 10) / 100m);

    /// <summary>Whether a subset's accuracy is below the minimum with the confidence.</summary>
    public static bool SubsetBelow(int correct, int total, double minAccuracy, double confidence) =>
        total > 0 && SubsetP(correct, total, minAccuracy) < 1 - confidence;

    /// <summary>Whether a group's naive average is below the minimum with the confidence: its bootstrap upper bound is.</summary>
    /// <param name="subsets">Each member subset's per-question scores (1/0).</param>
    /// <param name="minAccuracy">The minimum, in points.</param>
    /// <param name="confidence">The confidence.</param>
    /// <param name="upperBound">The one-sided upper bound of the group mean at that confidence.</param>
    public static bool GroupBelow(IReadOnlyList<IReadOnlyList<double>> subsets, double minAccuracy, double confidence, out double upperBound)
    {
        upperBound = PairedBootstrap.UpperBound(subsets, confidence);
        return upperBound < minAccuracy;
    }
}
