using EvalTests.Judging;

namespace EvalTests.Core.Tests.Judging;

/// <summary>Verifier and pairwise judge replies, and the scores OpenCompass reports from them.</summary>
public sealed class VerdictTests
{
    [Theory]
    [InlineData("A", Verdict.Correct)]
    [InlineData("B", Verdict.Incorrect)]
    [InlineData("The answer is B.", Verdict.Incorrect)]
    [InlineData("C", Verdict.NotAttempted)]
    [InlineData("", Verdict.NotAttempted)]
    [InlineData("INVALID", Verdict.Correct)] // the first capital A or B anywhere decides, as re.search('(A|B)') does
    [InlineData("b", Verdict.NotAttempted)]
    public void VerifierReply_IsLabelledByItsFirstAOrB(string reply, Verdict expected)
    {
        Assert.Equal(expected, VerifierVerdict.Parse(reply));
    }

    [Fact]
    public void VerifierScore_ReportsAccuracyOverAllAndOverAttempted()
    {
        var score = VerifierScore.From([Verdict.Correct, Verdict.Correct, Verdict.Correct, Verdict.Incorrect, Verdict.NotAttempted]);

        Assert.Equal(60.0, score.Accuracy, 12);
        Assert.Equal(75.0, score.AccuracyGivenAttempted, 12);
        Assert.Equal(80.0, score.AttemptedRatio, 12);
    }

    [Theory]
    [InlineData("Assistant A is more helpful. [[A]]", Preference.First)]
    [InlineData("[[B]]", Preference.Second)]
    [InlineData("Both are equally good: [[C]]", Preference.Tie)]
    [InlineData("Verdict: [B]", Preference.Second)] // one bracket is enough for \[([A-C]+)\]
    [InlineData("Output [[A]] if A is better or [[B]] if B is better. My verdict: [[B]]", Preference.First)] // the first run decides, as upstream
    [InlineData("[[AB]]", Preference.Unparsed)]
    [InlineData("A is better.", Preference.Unparsed)]
    public void PairwiseReply_IsReadByItsFirstBracketedVerdict_AsPostProcessMtBenchPair(string reply, Preference expected)
    {
        Assert.Equal(expected, PairwiseVerdict.Parse(reply));
    }

    [Fact]
    public void PairwiseScore_UndoesTheSwappedOrder_CountsTiesAsHalf_AndLeavesUnparsedOut()
    {
        // Comparisons alternate: the model's answer is shown first on even ones, second on odd ones.
        var judgements = new[] { Preference.First, Preference.First, Preference.Second, Preference.Tie, Preference.Unparsed }
            .Select((preference, i) => new PairwiseJudgement(PairwiseVerdict.ModelShownFirst(i), preference));

        var score = PairwiseScore.From(judgements);

        // 0: model first, A → win; 1: model second, A → loss; 2: model first, B → loss; 3: tie; 4: unparsed.
        Assert.Equal(new PairwiseScore(Wins: 1, Losses: 2, Ties: 1, Unparsed: 1), score);
        Assert.Equal(100.0 * 1.5 / 4, score.WinRate, 12);
    }
}
