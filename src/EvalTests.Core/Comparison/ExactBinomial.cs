using System.Numerics;

namespace EvalTests.Comparison;

/// <summary>
/// Binomial tail probabilities in exact rational arithmetic (big integers), rounded to a double only at the end, so
/// that a p-value near the decision boundary is not decided by accumulated floating-point error.
/// </summary>
public static class ExactBinomial
{
    /// <summary>P(X ≤ <paramref name="successes"/>) for X ~ Binomial(<paramref name="trials"/>, <paramref name="probability"/>).</summary>
    /// <param name="successes">The observed successes (a value past either end gives 0 or 1).</param>
    /// <param name="trials">The number of trials.</param>
    /// <param name="probability">The success probability, between 0 and 1, taken exactly as written (e.g. 0.4 is 2/5).</param>
    public static double LowerTail(int successes, int trials, decimal probability)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(trials);
        if (probability is < 0m or > 1m)
        {
            throw new ArgumentOutOfRangeException(nameof(probability), probability, "A probability lies between 0 and 1.");
        }

        if (successes < 0)
        {
            return 0;
        }

        if (successes >= trials)
        {
            return 1;
        }

        var (a, d) = Fraction(probability);
        var b = d - a;
        // Σ_{i ≤ k} C(n, i) aⁱ bⁿ⁻ⁱ / dⁿ, each term from the previous one without division.
        var coefficient = BigInteger.One;
        var aPower = BigInteger.One;
        var denominator = BigInteger.Pow(d, trials);
        var bPower = BigInteger.Pow(b, trials);
        var sum = BigInteger.Zero;
        for (var i = 0; i <= successes; i++)
        {
            sum += coefficient * aPower * bPower;
            coefficient = coefficient * (trials - i) / (i + 1);
            aPower *= a;
            // bⁿ⁻ⁱ⁻¹ from bⁿ⁻ⁱ; b is not zero here, since p = 1 would have made every k < n impossible (sum 0 is right).
            bPower = b.IsZero ? BigInteger.Zero : bPower / b;
        }

        return Ratio(sum, denominator);
    }

    /// <summary>
    /// The exact (binomial) McNemar test, two-sided: under "no change" each discordant pair is a loss or a gain with
    /// probability ½, so p = min(1, 2 · P(X ≤ min(lost, gained))) with X ~ Binomial(lost + gained, ½).
    /// </summary>
    /// <param name="lost">Questions the baseline answered correctly and the candidate did not.</param>
    /// <param name="gained">Questions the candidate answered correctly and the baseline did not.</param>
    /// <returns>The p-value; 1 when there is no discordant pair.</returns>
    public static double McNemarTwoSided(int lost, int gained)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(lost);
        ArgumentOutOfRangeException.ThrowIfNegative(gained);
        var n = lost + gained;
        if (n == 0)
        {
            return 1;
        }

        var k = Math.Min(lost, gained);
        var coefficient = BigInteger.One;
        var sum = BigInteger.Zero;
        for (var i = 0; i <= k; i++)
        {
            sum += coefficient;
            coefficient = coefficient * (n - i) / (i + 1);
        }

        // 2 · sum / 2ⁿ, capped at 1 (it exceeds 1 only when lost == gained).
        return Math.Min(1.0, Ratio(sum, BigInteger.One << (n - 1)));
    }

    /// <summary>The decimal as a reduced fraction a/d.</summary>
    private static (BigInteger Numerator, BigInteger Denominator) Fraction(decimal value)
    {
        var bits = decimal.GetBits(value);
        var scale = (bits[3] >> 16) & 0xFF;
        var mantissa = new BigInteger((uint)bits[0]) | (new BigInteger((uint)bits[1]) << 32) | (new BigInteger((uint)bits[2]) << 64);
        var denominator = BigInteger.Pow(10, scale);
        var gcd = BigInteger.GreatestCommonDivisor(mantissa, denominator);
        return gcd.IsZero ? (BigInteger.Zero, BigInteger.One) : (mantissa / gcd, denominator / gcd);
    }

    /// <summary>numerator ÷ denominator as the nearest double, for any size of either.</summary>
    private static double Ratio(BigInteger numerator, BigInteger denominator)
    {
        if (numerator.IsZero)
        {
            return 0;
        }

        // Keep 64 significant bits of the quotient, then scale back.
        var shift = (int)(denominator.GetBitLength() - numerator.GetBitLength()) + 64;
        var quotient = shift >= 0 ? (numerator << shift) / denominator : numerator / (denominator << -shift);
        return Math.ScaleB((double)quotient, -shift);
    }
}
