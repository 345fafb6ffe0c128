using EvalTests.Datasets;
using EvalTests.Judging;
using EvalTests.Models;
using EvalTests.Runs.RunFolder;

namespace EvalTests.Runs;

/// <summary>
/// The judge stage: once a judged task's answers are all in, its judge prompts are asked of the judge through the
/// scheduler and the judge's own checkpoint, so a resumed run or a second eval does not ask again.
/// </summary>
internal sealed class JudgeStage(ILanguageModel judge, RunSettings settings, RunOutputLayout layout, string modelAbbr, RequestScheduler scheduler)
{
    /// <summary>Judges every judged task; <paramref name="answered"/> reports what is ready first. Returns (replayed, sent).</summary>
    public async Task<(int Replayed, int Sent)> RunAsync(IReadOnlyList<PreparedTask> prepared, Func<IEnumerable<PreparedTask>, CancellationToken, Task> answered, CancellationToken cancellationToken)
    {
        var judged = prepared.Where(p => p.Judging is not null).ToList();
        if (judged.Count == 0)
        {
            return (0, 0);
        }

        foreach (var task in judged)
        {
            task.StartJudging(task.Task.Config.Judge!.Kind == JudgeKind.Pairwise
                ? PredictionsFile.ReadAnswers(layout.Predictions(settings.Baseline!, task.Task.Abbr), task.Samples.Count, settings.Baseline!, task.Task.Abbr)
                : null);
        }

        // As the model's: a shard writes its own file (merged shards must not collide), and reads the others' once.
        var judgedBy = RunOutputLayout.JudgedBy(modelAbbr, judge.Descriptor.Abbr);
        var own = layout.Checkpoint(judgedBy, settings.Shard);
        var others = JsonLineStore.ReadEntries(layout.CheckpointFiles(judgedBy).Where(f => f != own));
        using var checkpoint = JsonLineStore.Open(own);
        var pending = new List<PendingRequest>();
        var replayed = 0;
        foreach (var request in judged.SelectMany(t => t.PendingJudgements(judge.Descriptor.Identity, new GenerationSettings(t.Task.Config.Judge!.MaxOutLen ?? settings.JudgeMaxOutLen, []))))
        {
            if ((checkpoint.TryGet(request.Key, out var stored) || others.TryGetValue(request.Key, out stored)) && request.Replay(stored))
            {
                replayed++;
            }
            else
            {
                pending.Add(request);
            }
        }

        await answered(judged, cancellationToken).ConfigureAwait(false);
        var sent = await scheduler.DispatchAsync(judge, pending, checkpoint, cancellationToken).ConfigureAwait(false);
        return (replayed, sent);
    }
}
