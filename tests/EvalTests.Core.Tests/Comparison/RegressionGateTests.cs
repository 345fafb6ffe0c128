using EvalTests.Comparison;

namespace EvalTests.Core.Tests.Comparison;

public sealed class RegressionGateTests
{
    private static readonly GateSettings Strict = new(MaxDrop: 0, Confidence: 0.95);

    private static bool?[] Answers(int correct, int total) => [.. Enumerable.Range(0, total).Select(i => (bool?)(i < correct))];

    [Fact]
    public void Subset_LosingOneOfNineteen_IsNotSignificantAndPasses()
    {
        var change = RegressionGate.CompareSubset("ceval-law", Answers(19, 19), Answers(18, 19), 100, 94.74, Strict);

        Assert.Equal(ChangeVerdict.NotSignificant, change.Verdict);
        Assert.False(change.Fails);
        Assert.Equal(1.0, change.P); // one discordant pair: 2 · ½, capped
        Assert.Equal(-100.0 / 19, change.Delta, 12);
    }

    [Fact]
    public void Subset_LosingSixOfNineteenWithNoGain_IsASignificantRegression()
    {
        var change = RegressionGate.CompareSubset("ceval-law", Answers(19, 19), Answers(13, 19), 100, 68.42, Strict);

        Assert.Equal(ChangeVerdict.Regression, change.Verdict);
        Assert.True(change.Fails);
        Assert.Equal(2.0 / 64, change.P, 15);
        Assert.Equal("mcnemar", change.Test);
    }

    [Fact]
    public void Subset_ASignificantDropWithinMaxDrop_Passes()
    {
        var change = RegressionGate.CompareSubset("ceval-law", Answers(19, 19), Answers(13, 19), 100, 68.42, Strict with { MaxDrop = 40 });

        Assert.Equal(ChangeVerdict.DropWithinAllowance, change.Verdict);
        Assert.False(change.Fails);
    }

    [Fact]
    public void Subset_GainingSix_IsReportedAsAGain()
    {
        var change = RegressionGate.CompareSubset("ceval-law", Answers(13, 19), Answers(19, 19), 68.42, 100, Strict);

        Assert.Equal(ChangeVerdict.Gain, change.Verdict);
        Assert.False(change.Fails);
    }

    [Fact]
    public void Subset_AtALowerConfidence_CallsAFiveQuestionDropSignificant()
    {
        // Five lost, none gained: p = 2/32 = 0.0625, significant at 0.90 but not at 0.95.
        Assert.Equal(ChangeVerdict.NotSignificant, RegressionGate.CompareSubset("s", Answers(5, 5), Answers(0, 5), 100, 0, Strict).Verdict);
        Assert.Equal(ChangeVerdict.Regression, RegressionGate.CompareSubset("s", Answers(5, 5), Answers(0, 5), 100, 0, Strict with { Confidence = 0.90 }).Verdict);
    }

    [Fact]
    public void Subset_QuestionsOnOneSideOnly_AreCountedNotCompared()
    {
        bool?[] baseline = [true, false, true];
        bool?[] candidate = [true, false, true, true, null];

        var change = RegressionGate.CompareSubset("s", baseline, candidate, 66.67, 75, Strict);

        Assert.Equal(3, change.Compared);
        Assert.Equal(1, change.OneSided);
        Assert.Equal(ChangeVerdict.Unchanged, change.Verdict);
    }

    [Fact]
    public void Subset_WithNoQuestionInCommon_IsNotCompared()
    {
        var change = RegressionGate.CompareSubset("s", [true], [null, true], 100, 100, Strict);

        Assert.Equal(ChangeVerdict.NotCompared, change.Verdict);
        Assert.False(change.Fails);
    }

    [Fact]
    public void Group_WithEveryQuestionLost_IsARegressionWithPZero()
    {
        var subsets = new[] { new PairedSubset("a", [1, 1, 1, 1, 1], [0, 0, 0, 0, 0]), new PairedSubset("b", [1, 1, 1], [0, 0, 0]) };

        var change = RegressionGate.CompareGroup("g", subsets, 0, 100, 0, Strict);

        Assert.Equal(-100, change.Delta, 12);
        Assert.Equal(0, change.P);
        Assert.Equal(ChangeVerdict.Regression, change.Verdict);
        Assert.Equal(8, change.Compared);
    }

    [Fact]
    public void Group_WithIdenticalAnswers_IsUnchanged()
    {
        var subsets = new[] { new PairedSubset("a", [1, 0, 1], [1, 0, 1]) };

        Assert.Equal(ChangeVerdict.Unchanged, RegressionGate.CompareGroup("g", subsets, 0, 66.67, 66.67, Strict).Verdict);
    }
}
