using EvalTests.Datasets;
using EvalTests.Models;
using EvalTests.Prompts;
using EvalTests.Reporting;
using EvalTests.Runs.RunFolder;

namespace EvalTests.Runs;

/// <summary>
/// The run engine shared by the CLI and the test framework. It only orchestrates the stages: preflight checks, the
/// config file, loading and rendering every task, replaying the checkpoint, the model's requests through the
/// <see cref="RequestScheduler"/> (so subsets share batches), the <see cref="JudgeStage"/>, finishing each task as it
/// completes (<see cref="TaskFinisher"/>: scoring and its files), and the summary.
/// </summary>
public sealed class EvaluationRunner
{
    private readonly ILanguageModel _model;
    private readonly ILanguageModel? _judge;
    private readonly RunSettings _settings;
    private readonly IRunProgress _progress;
    private readonly TimeProvider _clock;

    /// <summary>Creates a runner for one model.</summary>
    /// <param name="model">The model evaluated.</param>
    /// <param name="settings">How the run behaves.</param>
    /// <param name="progress">Where progress goes.</param>
    /// <param name="clock">The clock that names the run and summary folders.</param>
    /// <param name="judge">The judge model of configs judged by a model (needed unless the run only infers).</param>
    public EvaluationRunner(ILanguageModel model, RunSettings settings, IRunProgress? progress = null, TimeProvider? clock = null, ILanguageModel? judge = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(settings.BatchSize, 1);
        _model = model;
        _judge = judge;
        _settings = settings;
        _progress = progress ?? NullRunProgress.Instance;
        _clock = clock ?? TimeProvider.System;
    }

    /// <summary>Runs the plan.</summary>
    /// <param name="plan">What to evaluate.</param>
    /// <param name="locateBenchmark">Returns the folder holding a card's files (see <see cref="DataRootResolver"/>).</param>
    /// <param name="cancellationToken">Stops the run; files of finished tasks stay on disk.</param>
    public async Task<RunResult> RunAsync(RunPlan plan, Func<DatasetCard, string> locateBenchmark, CancellationToken cancellationToken = default)
    {
        RunPreflight.Check(plan, _settings, _model, _judge);
        var layout = new RunOutputLayout(_settings.WorkDir, _settings.Timestamp ?? Timestamp());
        var modelAbbr = _model.Descriptor.Abbr;
        RunPreflight.EnsureWritable(layout.RunFolder);
        await ConfigFile.WriteAsync(layout.ConfigFile(Environment.ProcessId), plan, _settings, layout, _model.Descriptor, _judge?.Descriptor, cancellationToken).ConfigureAwait(false);

        var prepared = plan.Tasks.Select(task => Prepare(task, locateBenchmark)).ToList();
        _progress.RunStarted(prepared.Select(p => new TaskProgressInfo(p.Task.Abbr, p.Samples.Count)).ToList());

        var results = new Dictionary<EvaluationTask, TaskResult>();
        var finisher = new TaskFinisher(_settings, layout, _model.Descriptor, _judge?.Descriptor, _progress);
        // Reports newly answered questions, and finishes (scores and writes) every task that is now complete.
        async Task AnsweredAsync(IEnumerable<PreparedTask> owners, CancellationToken ct)
        {
            foreach (var owner in owners)
            {
                var done = owner.TakeNewlyCompletedSamples();
                if (done > 0)
                {
                    _progress.SamplesCompleted(owner.Task.Abbr, done);
                }

                if (owner.IsComplete && !results.ContainsKey(owner.Task))
                {
                    results[owner.Task] = await finisher.FinishAsync(owner, ct).ConfigureAwait(false);
                }
            }
        }

        var scheduler = new RequestScheduler(_settings, AnsweredAsync);
        var judging = _judge is null ? null : new JudgeStage(_judge, _settings, layout, modelAbbr, scheduler);
        var (replayed, sent) = (0, 0);
        if (_settings.Mode == RunMode.Eval)
        {
            // Scoring only: the answers are the predictions an earlier infer (or all) run wrote.
            foreach (var task in prepared)
            {
                task.LoadPredictions(layout.Predictions(modelAbbr, task.Task.Abbr));
            }

            await AnsweredAsync(prepared, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            (replayed, sent) = await AskModelAsync(prepared, layout, scheduler, AnsweredAsync, cancellationToken).ConfigureAwait(false);
        }

        var (judgedReplayed, judgedSent) = judging is null ? (0, 0) : await judging.RunAsync(prepared, AnsweredAsync, cancellationToken).ConfigureAwait(false);
        foreach (var task in prepared.Where(p => !results.ContainsKey(p.Task)))
        {
            results[task.Task] = await finisher.FinishAsync(task, cancellationToken).ConfigureAwait(false);
        }

        return await SummarizeAsync(plan, layout, results, cancellationToken).ConfigureAwait(false) with
        {
            ReplayedRequests = replayed + judgedReplayed,
            SentRequests = sent + judgedSent,
            MeasuredBatchSizes = scheduler.MeasuredBatchSizes,
        };
    }

    /// <summary>Replays what the run's checkpoints hold, then asks the model the rest (generations, then scorings); returns (replayed, sent).</summary>
    private async Task<(int Replayed, int Sent)> AskModelAsync(List<PreparedTask> prepared, RunOutputLayout layout, RequestScheduler scheduler, Func<IEnumerable<PreparedTask>, CancellationToken, Task> answered, CancellationToken cancellationToken)
    {
        // This process's checkpoint loads its own answers; those of other processes (shards) are read once beside it.
        var own = layout.Checkpoint(_model.Descriptor.Abbr, _settings.Shard);
        var others = JsonLineStore.ReadEntries(layout.CheckpointFiles(_model.Descriptor.Abbr).Where(f => f != own));
        using var checkpoint = JsonLineStore.Open(own);
        var pending = new List<PendingRequest>();
        var replayed = 0;
        foreach (var request in prepared.SelectMany(p => p.PendingRequests()))
        {
            // An answer already in the run's checkpoints (a resumed run, whichever process wrote it) is not asked again.
            if ((checkpoint.TryGet(request.Key, out var stored) || others.TryGetValue(request.Key, out stored)) && request.Replay(stored))
            {
                replayed++;
            }
            else
            {
                pending.Add(request);
            }
        }

        await answered(prepared, cancellationToken).ConfigureAwait(false);
        var sent = await scheduler.DispatchAsync(_model, pending.OfType<PendingGeneration>().ToList<PendingRequest>(), checkpoint, cancellationToken).ConfigureAwait(false)
            + await scheduler.DispatchAsync(_model, pending.OfType<PendingScoring>().ToList<PendingRequest>(), checkpoint, cancellationToken).ConfigureAwait(false);
        return (replayed, sent);
    }

    /// <summary>
    /// What a run of the plan would ask, asking nothing (OpenCompass's <c>--dry-run</c>): per task the questions, the
    /// model calls of the naive plan (one per question in gen, one per option in ppl) and the prompts' size, in tokens
    /// where the model counts them.
    /// </summary>
    public IReadOnlyList<TaskWork> DescribeWork(RunPlan plan, Func<DatasetCard, string> locateBenchmark)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return [.. plan.Tasks.Select(task =>
        {
            var prepared = Prepare(task, locateBenchmark);
            var prompts = prepared.GenerationPrompts?.Select(p => p.Prompt).ToList() ?? [.. prepared.LabelPrompts!.SelectMany(l => l.Select(p => p.Prompt))];
            long? tokens = _model.TokenCounter is { } counter ? prompts.Sum(p => (long)counter.CountTokens(p)) : null;
            return new TaskWork(task.Abbr, task.Config.Mode.OpenCompassName(), prepared.Samples.Count, prompts.Count, tokens, prompts.Sum(p => (long)p.ToPlainText().Length));
        })];
    }

    private PreparedTask Prepare(EvaluationTask task, Func<DatasetCard, string> locateBenchmark)
    {
        var card = task.Card;
        var folder = locateBenchmark(card);
        DataIntegrity.EnsureValid(card, folder, DatasetLoader.DataFiles(card, task.Subset.Name));
        var samples = DatasetLoader.Load(card, folder, card.Splits.Eval, task.Subset.Name);
        if ((_settings.TestRangePerConfig.TryGetValue(task.Config.Name, out var configRange) ? configRange : _settings.TestRange) is { } range)
        {
            // OpenCompass selects the rows into a new dataset, so predictions are numbered from 0 within the slice.
            samples = [.. range.Apply(samples).Select((sample, index) => sample with { Index = index })];
        }

        if ((_settings.LimitPerConfig.TryGetValue(task.Config.Name, out var configLimit) ? configLimit : _settings.Limit) is { } limit)
        {
            samples = samples.Take(limit).ToList();
        }

        var shots = task.Config.FewShotIds.Count > 0 ? DatasetLoader.Load(card, folder, card.Splits.FewShot!, task.Subset.Name) : [];
        var prompter = new TemplatePrompter(task.Config, task.Subset, shots);
        var maxSeqLen = _settings.MaxSeqLen ?? _model.Descriptor.MaxSequenceLength;
        var generation = new GenerationSettings(_settings.MaxOutLen ?? task.Config.MaxOutLen ?? 100, task.Config.StopStrings) { Sampling = _settings.Sampling };
        return new PreparedTask(task, samples, prompter, _model.TokenCounter, maxSeqLen, generation, _model.Descriptor.Identity, judged: _settings.Mode != RunMode.Infer)
        {
            PostprocessorOverride = _settings.Postprocessor,
            TokenLengths = _settings.BatchTokens is not null,
        };
    }

    private async Task<RunResult> SummarizeAsync(RunPlan plan, RunOutputLayout layout, Dictionary<EvaluationTask, TaskResult> results, CancellationToken cancellationToken)
    {
        var ordered = plan.Tasks.Select(t => results[t]).ToList();
        var summary = Summary.Build(_model.Descriptor.Abbr, plan.Tasks.Select(t => t.Abbr).ToList(), ordered.Select(r => r.Score).ToList(), plan.Groups);
        var summaryTimestamp = Timestamp();
        if (_settings.Mode != RunMode.Infer)
        {
            if (_settings.WriteSummaryFiles)
            {
                await SummaryFiles.WriteAsync(layout, summaryTimestamp, summary, (_model as IReportsUsage)?.Usage, cancellationToken).ConfigureAwait(false);
            }

            // OpenCompass summarizes one AlignBench dataset per run under a fixed name; a second one (another judge
            // prompt) keeps its tables apart under its config's name instead of overwriting the first's.
            var rated = ordered.Where(r => r.AlignBench is not null).ToList();
            for (var i = 0; i < rated.Count; i++)
            {
                await AlignBenchTables.WriteAsync(layout, summaryTimestamp, rated[i], _model.Descriptor.Abbr, _judge!.Descriptor.Abbr, i == 0 ? null : rated[i].Task.Config.Name, cancellationToken).ConfigureAwait(false);
            }
        }

        return new RunResult(layout, summaryTimestamp, summary, ordered);
    }

    private string Timestamp() => RunOutputLayout.NewTimestamp(_clock);
}
