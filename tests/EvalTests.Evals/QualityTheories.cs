using EvalTests.Scoring;
using EvalTests.Xunit;

namespace EvalTests.Evals;

/// <summary>
/// Assertions of our own over the evaluated subsets and groups: each row of an [EvalTheory] is a planned subset or
/// group, served by the same single run as the built-in cases.
/// </summary>
public sealed class QualityTheories
{
    [EvalTheory("ceval")]
    public void Every_question_is_scored_once(SubsetResult subset)
    {
        Assert.Equal(subset.Count, subset.Outcomes.Count);
        Assert.InRange(subset.Score, 0, 100);
    }

    [EvalTheory("cmmlu")]
    public void No_model_call_fails(SubsetResult subset) =>
        Assert.DoesNotContain(SampleOutcome.Errored, subset.Outcomes);
}
