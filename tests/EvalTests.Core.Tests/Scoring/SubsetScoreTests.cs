using EvalTests.Scoring;

namespace EvalTests.Core.Tests.Scoring;

public sealed class SubsetScoreTests
{
    [Fact]
    public void Accuracy_CountsUnparsedAndErroredAsNotCorrect_AndKeepsThemVisible()
    {
        var score = SubsetScore.From([SampleOutcome.Correct, SampleOutcome.Wrong, SampleOutcome.Unparsed, SampleOutcome.Errored]);

        Assert.Equal(25.0, score.Accuracy);
        Assert.Equal((1, 1, 1, 1, 4), (score.Correct, score.Wrong, score.Unparsed, score.Errored, score.Total));
    }

    [Fact]
    public void StandardError_IsTheBinomialOneInPoints()
    {
        var score = new SubsetScore(Correct: 6, Wrong: 13, Unparsed: 0, Errored: 0);

        // Worked out once, outside the code under test: 100·6/19 and 100·√(6/19 · 13/19 / 19).
        Assert.Equal(31.578947368421, score.Accuracy, 12);
        Assert.Equal(10.663920529042, score.StandardError, 12);
    }
}
