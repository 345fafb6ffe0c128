using EvalTests.Datasets;
using EvalTests.Judging;
using EvalTests.Models;
using EvalTests.Reporting;
using EvalTests.Runs.RunFolder;
using EvalTests.Scoring;

namespace EvalTests.Runs;

/// <summary>
/// Finishes a task once every answer (and judgement) is in: scores it, and writes its predictions and infer log
/// (unless eval mode) and its results and eval log (unless infer mode), and a judge's outputs.
/// </summary>
internal sealed class TaskFinisher(RunSettings settings, RunOutputLayout layout, ModelDescriptor model, ModelDescriptor? judge, IRunProgress progress)
{
    public async Task<TaskResult> FinishAsync(PreparedTask task, CancellationToken cancellationToken)
    {
        var judgements = task.Judging?.Judgements(task.Samples.Count);
        var records = task.Score(judgements);
        var score = SubsetScore.From(records.Select(r => r.Outcome));
        var metrics = new Dictionary<string, double>();
        AlignBenchSummary? alignBench = null;
        if (task.Judging is { } judging)
        {
            if (judging.Spec.Kind == JudgeKind.Rating && task.Task.Card.Format == DataFormat.AlignBenchJsonl)
            {
                alignBench = TaskJudging.SummarizeAlignBench(task.Samples, judgements!);
            }

            var (value, error) = judging.Metric(judgements!, alignBench);
            score = score with { JudgedValue = value, JudgedStandardError = error };
            if (judging.Spec.Kind == JudgeKind.Verifier)
            {
                // As generic_llmjudge_postprocess: a judge that found no A or B did not attempt; so did a failed call.
                var verifier = new VerifierScore(score.Correct, score.Wrong, score.Unparsed + score.Errored);
                metrics["accuracy_given_attempted"] = verifier.AccuracyGivenAttempted;
                metrics["attempted_ratio"] = verifier.AttemptedRatio;
            }

            // A task judges only in runs that judge (not infer mode), so its judge's outputs are always due here.
            await OutputJson.WriteAsync(layout.JudgeOutputs(model.Abbr, judge!.Abbr, task.Task.Abbr, judging.Spec.Kind == JudgeKind.Verifier), JudgeOutputsFile.Serialize(judging.OutputRecords(task.GoldOf, judgements!)), cancellationToken).ConfigureAwait(false);
        }

        var datasetScore = new DatasetScore(task.Task.Abbr, task.Task.Version, task.Task.Config.Mode.OpenCompassName(), task.Task.Config.Metric, score);

        if (settings.Mode != RunMode.Eval)
        {
            await OutputJson.WriteAsync(layout.Predictions(model.Abbr, task.Task.Abbr), PredictionsFile.Serialize(PredictionsFile.ToRecords(task)), cancellationToken).ConfigureAwait(false);
            await TaskLogs.WriteAsync(layout.InferLog(model.Abbr, task.Task.Abbr), TaskLogs.Infer(task), cancellationToken).ConfigureAwait(false);
        }

        if (settings.Mode != RunMode.Infer)
        {
            await OutputJson.WriteAsync(layout.Results(model.Abbr, task.Task.Abbr), ResultsFile.ToJson(datasetScore, records, metrics), cancellationToken).ConfigureAwait(false);
            await TaskLogs.WriteAsync(layout.EvalLog(model.Abbr, task.Task.Abbr), TaskLogs.Eval(task, datasetScore, task.Judging is not null ? judge!.Abbr : null), cancellationToken).ConfigureAwait(false);
        }

        progress.TaskCompleted(task.Task.Abbr, score);
        return new TaskResult(task.Task, datasetScore, records) { AlignBench = alignBench };
    }
}
