namespace EvalTests.Comparison;

/// <summary>One subset's per-question scores on both sides, on the same questions in the same order (1/0 for accuracy).</summary>
/// <param name="Name">The subset.</param>
/// <param name="Baseline">The baseline's score of each question.</param>
/// <param name="Candidate">The candidate's score of the same questions.</param>
public sealed record PairedSubset(string Name, IReadOnlyList<double> Baseline, IReadOnlyList<double> Candidate);

/// <summary>A paired bootstrap's estimate of a change in a group mean.</summary>
/// <param name="Delta">Candidate minus baseline, in points (×100), on the observed questions.</param>
/// <param name="P">The two-sided p-value: twice the smaller share of resamples on either side of zero, at most 1.</param>
/// <param name="Low">The lower end of the two-sided percentile interval of the change (points).</param>
/// <param name="High">The upper end.</param>
public sealed record BootstrapEstimate(double Delta, double P, double Low, double High);

/// <summary>
/// The paired bootstrap over questions, stratified by subset, for a group's naive average (the mean of its subsets'
/// means, as OpenCompass averages a group): every resample draws each subset's questions with replacement, keeping
/// each question's two scores together. Seeded, so the same inputs always give the same p-value.
/// </summary>
public static class PairedBootstrap
{
    /// <summary>Resamples drawn by default.</summary>
    public const int DefaultResamples = 10_000;

    /// <summary>The fixed seed of every comparison, so that a gate's verdict is reproducible.</summary>
    public const int DefaultSeed = 20_250_101;

    /// <summary>The change of the group mean from baseline to candidate, with its two-sided p-value and percentile interval.</summary>
    /// <param name="subsets">The group's subsets, paired.</param>
    /// <param name="resamples">Resamples drawn.</param>
    /// <param name="seed">The random seed.</param>
    /// <param name="confidence">The interval's coverage (0.95: the 2.5th to the 97.5th percentile).</param>
    public static BootstrapEstimate Compare(IReadOnlyList<PairedSubset> subsets, int resamples = DefaultResamples, int seed = DefaultSeed, double confidence = 0.95)
    {
        var differences = Validate(subsets).Select(s => s.Baseline.Select((b, i) => s.Candidate[i] - b).ToArray()).ToList();
        var observed = GroupMean(differences);
        var random = new Random(seed);
        int atMostZero = 0, atLeastZero = 0;
        var deltas = new double[resamples];
        for (var r = 0; r < resamples; r++)
        {
            var delta = deltas[r] = ResampledGroupMean(differences, random);
            // A resample within rounding of zero counts on both sides (as an exact zero would).
            if (delta <= 1e-12)
            {
                atMostZero++;
            }

            if (delta >= -1e-12)
            {
                atLeastZero++;
            }
        }

        var p = Math.Min(1.0, 2.0 * Math.Min(atMostZero, atLeastZero) / resamples);
        Array.Sort(deltas);
        var tail = (1 - confidence) / 2;
        return new BootstrapEstimate(100 * observed, p, 100 * Percentile(deltas, tail), 100 * Percentile(deltas, 1 - tail));
    }

    /// <summary>
    /// The one-sided upper confidence bound of a group mean (points, ×100): the <paramref name="confidence"/> quantile
    /// of the resampled means. A noise-aware threshold fails only when even this bound is below the minimum.
    /// </summary>
    public static double UpperBound(IReadOnlyList<IReadOnlyList<double>> subsets, double confidence, int resamples = DefaultResamples, int seed = DefaultSeed)
    {
        ArgumentNullException.ThrowIfNull(subsets);
        if (subsets.Count == 0 || subsets.Any(s => s.Count == 0))
        {
            throw new ArgumentException("Every subset of a group needs at least one question.", nameof(subsets));
        }

        var scores = subsets.Select(s => s.ToArray()).ToList();
        var random = new Random(seed);
        var means = new double[resamples];
        for (var r = 0; r < resamples; r++)
        {
            means[r] = ResampledGroupMean(scores, random);
        }

        Array.Sort(means);
        return 100 * Percentile(means, confidence);
    }

    /// <summary>The smallest sorted value with at least <paramref name="share"/> of the values at or below it.</summary>
    private static double Percentile(double[] sorted, double share) =>
        sorted[Math.Clamp((int)Math.Ceiling(share * sorted.Length) - 1, 0, sorted.Length - 1)];

    private static IReadOnlyList<PairedSubset> Validate(IReadOnlyList<PairedSubset> subsets)
    {
        ArgumentNullException.ThrowIfNull(subsets);
        foreach (var subset in subsets)
        {
            if (subset.Baseline.Count != subset.Candidate.Count || subset.Baseline.Count == 0)
            {
                throw new ArgumentException(
                    $"{subset.Name}: a paired comparison needs the same questions on both sides and at least one ({subset.Baseline.Count} vs {subset.Candidate.Count}).",
                    nameof(subsets));
            }
        }

        return subsets;
    }

    private static double GroupMean(List<double[]> subsets) => subsets.Average(s => s.Average());

    private static double ResampledGroupMean(List<double[]> subsets, Random random)
    {
        var total = 0.0;
        foreach (var subset in subsets)
        {
            var sum = 0.0;
            for (var i = 0; i < subset.Length; i++)
            {
                sum += subset[random.Next(subset.Length)];
            }

            total += sum / subset.Length;
        }

        return total / subsets.Count;
    }
}
