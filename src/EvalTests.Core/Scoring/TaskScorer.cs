using EvalTests.Datasets;
using EvalTests.Models;

namespace EvalTests.Scoring;

/// <summary>How a question's answer becomes its outcome: a generated answer extracted and compared, a choice by lowest PPL.</summary>
internal static class TaskScorer
{
    /// <summary>A generated answer: errored when the model failed, unparsed when nothing is extracted, else compared with the gold.</summary>
    public static SampleRecord Generated(DatasetSample question, string gold, GenerationResult output, IAnswerPostprocessor? postprocessor, AnswerMatch comparison)
    {
        var index = question.Index;
        if (output.Error is not null)
        {
            return new SampleRecord(index, gold, string.Empty, string.Empty, SampleOutcome.Errored, output.Error);
        }

        var answer = postprocessor?.Extract(output.Text, question) ?? output.Text;
        var outcome = answer.Length == 0 ? SampleOutcome.Unparsed : AnswerComparison.Matches(comparison, answer, gold) ? SampleOutcome.Correct : SampleOutcome.Wrong;
        return new SampleRecord(index, gold, answer, output.Text, outcome, null);
    }

    /// <summary>The label with the lowest PPL, or errored when scoring any label failed.</summary>
    public static SampleRecord Chosen(int index, string gold, IReadOnlyList<LogLikelihoodResult> scores, IReadOnlyList<string> labels)
    {
        if (scores.FirstOrDefault(s => s.Error is not null)?.Error is { } error)
        {
            return new SampleRecord(index, gold, string.Empty, string.Empty, SampleOutcome.Errored, error);
        }

        var label = labels[LowestPpl(scores)];
        return new SampleRecord(index, gold, label, label, label == gold ? SampleOutcome.Correct : SampleOutcome.Wrong, null);
    }

    /// <summary>
    /// The index of the lowest PPL among the scores without an error (-1 when every one failed). Strictly lower wins, so
    /// ties go to the first label, as with Python's <c>index(min(...))</c>.
    /// </summary>
    public static int LowestPpl(IReadOnlyList<LogLikelihoodResult> scores)
    {
        var best = -1;
        for (var l = 0; l < scores.Count; l++)
        {
            if (scores[l].Error is null && (best < 0 || scores[l].Ppl < scores[best].Ppl))
            {
                best = l;
            }
        }

        return best;
    }
}
