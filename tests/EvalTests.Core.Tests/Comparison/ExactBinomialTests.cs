using EvalTests.Comparison;

namespace EvalTests.Core.Tests.Comparison;

/// <summary>Expected values are derived by hand from the binomial formula, not from the code under test.</summary>
public sealed class ExactBinomialTests
{
    [Theory]
    [InlineData(0, 5, 2.0 / 32)] // n = 5, P(X ≤ 0) = 1/32, doubled
    [InlineData(0, 6, 2.0 / 64)]
    [InlineData(1, 9, 2.0 * (1 + 10) / 1024)] // n = 10, P(X ≤ 1) = (C(10,0) + C(10,1)) / 2¹⁰
    [InlineData(9, 1, 2.0 * (1 + 10) / 1024)] // symmetric in lost and gained
    [InlineData(2, 5, 2.0 * (1 + 7 + 21) / 128)] // n = 7
    [InlineData(3, 3, 1.0)] // as many lost as gained: capped at 1
    [InlineData(0, 0, 1.0)] // no discordant pair
    public void McNemar_IsTwiceTheSmallerBinomialHalfTail(int lost, int gained, double expected) =>
        Assert.Equal(expected, ExactBinomial.McNemarTwoSided(lost, gained), 15);

    [Theory]
    [InlineData(2, 10, "0.5", (1 + 10 + 45) / 1024.0)]
    [InlineData(0, 3, "0.4", 0.216)] // 0.6³
    [InlineData(1, 3, "0.4", 0.216 + 3 * 0.4 * 0.36)]
    [InlineData(3, 3, "0.4", 1.0)]
    [InlineData(-1, 3, "0.4", 0.0)]
    [InlineData(0, 4, "0", 1.0)] // p = 0: no success is certain
    [InlineData(3, 4, "1", 0.0)] // p = 1: fewer than n successes is impossible
    public void LowerTail_SumsTheBinomialTermsExactly(int successes, int trials, string probability, double expected) =>
        Assert.Equal(expected, ExactBinomial.LowerTail(successes, trials, decimal.Parse(probability, System.Globalization.CultureInfo.InvariantCulture)), 14);

    [Fact]
    public void LowerTail_WithNineteenQuestionsAndAFortyPercentMinimum_MatchesTheClosedForm()
    {
        // P(X ≤ 2), X ~ B(19, 2/5) = (3¹⁹ + 19·2·3¹⁸ + C(19,2)·2²·3¹⁷) / 5¹⁹.
        var expected = (Math.Pow(3, 19) + 38 * Math.Pow(3, 18) + 171 * 4 * Math.Pow(3, 17)) / Math.Pow(5, 19);

        Assert.Equal(expected, ExactBinomial.LowerTail(2, 19, 0.4m), 14);
    }

    [Fact]
    public void LowerTail_AtTheMedianOfAThousandFairTrials_IsHalfPlusHalfTheCentralTerm()
    {
        // P(X ≤ 500) = ½ + ½·C(1000,500)/2¹⁰⁰⁰, and C(1000,500)/2¹⁰⁰⁰ = 0.0252250181 (Stirling with its correction terms).
        Assert.Equal(0.5 + 0.0252250181 / 2, ExactBinomial.LowerTail(500, 1000, 0.5m), 9);
    }
}
