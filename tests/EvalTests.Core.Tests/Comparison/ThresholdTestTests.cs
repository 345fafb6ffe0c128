using EvalTests.Comparison;

namespace EvalTests.Core.Tests.Comparison;

public sealed class ThresholdTestTests
{
    [Fact]
    public void SubsetBelow_TwoOfNineteenAgainstForty_IsBelowWithNinetyFivePercentConfidence()
    {
        // P(X ≤ 2 | 19, 0.4) ≈ 0.0036 < 0.05.
        Assert.True(ThresholdTest.SubsetBelow(2, 19, 40, 0.95));
    }

    [Fact]
    public void SubsetBelow_SixOfNineteenAgainstForty_IsNotBelowWithConfidence()
    {
        // 31.6% is under 40, but P(X ≤ 6 | 19, 0.4) ≈ 0.308: a dip that chance explains.
        Assert.False(ThresholdTest.SubsetBelow(6, 19, 40, 0.95));
        Assert.InRange(ThresholdTest.SubsetP(6, 19, 40), 0.30, 0.31);
    }

    [Fact]
    public void SubsetP_TakesTheMinimumAsAnExactFraction() =>
        Assert.Equal((1 + 10 + 45) / 1024.0, ThresholdTest.SubsetP(2, 10, 50), 15);

    [Fact]
    public void GroupBelow_ComparesTheBootstrapUpperBound()
    {
        IReadOnlyList<double>[] subsets = [[.. Enumerable.Repeat(0.0, 30)], [.. Enumerable.Repeat(0.0, 30)]];

        Assert.True(ThresholdTest.GroupBelow(subsets, 10, 0.95, out var bound));
        Assert.Equal(0, bound);
    }
}
