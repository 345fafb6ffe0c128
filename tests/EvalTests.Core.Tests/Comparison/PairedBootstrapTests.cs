using EvalTests.Comparison;

namespace EvalTests.Core.Tests.Comparison;

public sealed class PairedBootstrapTests
{
    [Fact]
    public void Compare_OneLostQuestionOfFour_HasTheProbabilityThatNoResampleDrawsIt()
    {
        // Δ* ≥ 0 exactly when the lost question is never drawn: (3/4)⁴; Δ* ≤ 0 always. Two-sided p = 2·(3/4)⁴ = 0.6328.
        var estimate = PairedBootstrap.Compare([new PairedSubset("s", [1, 1, 1, 1], [1, 1, 1, 0])]);

        Assert.Equal(-25, estimate.Delta, 12);
        Assert.InRange(estimate.P, 2 * 0.31640625 - 0.03, 2 * 0.31640625 + 0.03);
    }

    [Fact]
    public void Compare_Interval_IsThePercentilesOfTheResampledChange()
    {
        // Δ* = −25·K with K ~ Binomial(4, ¼) draws of the lost question: P(K ≥ 3) = 0.0508 puts the 2.5th percentile at
        // −75; P(K = 0) = 0.316 > 2.5% puts the 97.5th at 0.
        var estimate = PairedBootstrap.Compare([new PairedSubset("s", [1, 1, 1, 1], [1, 1, 1, 0])]);

        Assert.Equal((-75, 0), (estimate.Low, estimate.High));
    }

    [Fact]
    public void Compare_WithTheFixedSeed_IsReproducible()
    {
        PairedSubset[] subsets = [new("a", [1, 0, 1, 1, 0, 1], [0, 0, 1, 0, 1, 1]), new("b", [1, 1, 0], [0, 1, 0])];

        Assert.Equal(PairedBootstrap.Compare(subsets), PairedBootstrap.Compare(subsets));
    }

    [Fact]
    public void Compare_GroupDelta_IsTheMeanOfTheSubsetDeltas()
    {
        // Naive average: subset a loses 1 of 2 (−50), subset b is unchanged (0): the group moves −25, not −1/6 of the questions.
        var estimate = PairedBootstrap.Compare([new PairedSubset("a", [1, 1], [1, 0]), new PairedSubset("b", [1, 0, 0, 1], [1, 0, 0, 1])]);

        Assert.Equal(-25, estimate.Delta, 12);
    }

    [Fact]
    public void Compare_WithDifferentQuestionCounts_Throws() =>
        Assert.Throws<ArgumentException>(() => PairedBootstrap.Compare([new PairedSubset("a", [1, 1], [1])]));

    [Fact]
    public void UpperBound_OfHalfOfFourHundred_IsNearTheNormalBound()
    {
        // 200 of 400: mean 50, standard error 2.5 points; the one-sided 95% bound ≈ 50 + 1.645 · 2.5 = 54.1.
        double[] scores = [.. Enumerable.Range(0, 400).Select(i => i % 2 == 0 ? 1.0 : 0.0)];

        Assert.InRange(PairedBootstrap.UpperBound([scores], 0.95), 53.3, 54.9);
    }
}
