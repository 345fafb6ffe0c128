using EvalTests.Xunit.Runners;

namespace EvalTests.Xunit.Tests;

public sealed class InvalidAnswersTests
{
    [Fact]
    public void AnOutage_FailsTheSubsetWhateverItsAccuracy_AndShowsTheFirstError()
    {
        var message = EvaluationCases.InvalidAnswers("ceval-law", total: 24, invalid: 24, maxFraction: 0.2, "n=24, model m, mode gen", "429 Too Many Requests");

        Assert.Equal("ceval-law: 24 of 24 questions unparsed or errored (100%), more than the 20% allowed (n=24, model m, mode gen); first error: 429 Too Many Requests", message);
    }

    [Theory]
    [InlineData(24, 4, 0.2, false)]  // 17% ≤ 20%
    [InlineData(24, 5, 0.2, true)]   // 21% > 20%
    [InlineData(24, 0, 0.0, false)]
    [InlineData(24, 1, 0.0, true)]   // a zero budget fails on the first invalid answer
    [InlineData(0, 0, 0.0, false)]
    public void TheBudgetIsAFractionOfTheSubsetsQuestions(int total, int invalid, double maxFraction, bool fails)
    {
        Assert.Equal(fails, EvaluationCases.InvalidAnswers("s", total, invalid, maxFraction, "d", null) is not null);
    }

    [Theory]
    [InlineData(25.0, 25.0, false)]
    [InlineData(24.99, 25.0, true)]
    [InlineData(double.NaN, 0.0, true)] // a pairwise run whose judgements were all unparsed has no win rate: it meets no threshold
    public void AThresholdIsMetByAScoreAtLeastAsHigh_AndNeverByNoScore(double score, double minimum, bool fails)
    {
        Assert.Equal(fails, EvaluationCases.BelowThreshold("s", score, minimum, "d") is not null);
    }
}
