using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using EvalTests.Datasets;
using EvalTests.Judging;
using EvalTests.Models;
using EvalTests.Prompts;
using EvalTests.Reporting;
using EvalTests.Scoring;

namespace EvalTests.Runs;

/// <summary>How one question ended.</summary>
/// <param name="Index">The row index in the evaluated file.</param>
/// <param name="Gold">The gold answer.</param>
/// <param name="Answer">The extracted (gen) or chosen (ppl) answer; empty when none.</param>
/// <param name="Output">The model's raw text (gen) or the chosen label (ppl).</param>
/// <param name="Outcome">Correct, wrong, unparsed or errored.</param>
/// <param name="Error">The model error, when errored.</param>
public sealed record SampleRecord(int Index, string Gold, string Answer, string Output, SampleOutcome Outcome, string? Error);

/// <summary>A finished task: its score and every sample.</summary>
/// <param name="Task">The task.</param>
/// <param name="Score">The score row.</param>
/// <param name="Samples">Every question's outcome.</param>
public sealed record TaskResult(EvaluationTask Task, DatasetScore Score, IReadOnlyList<SampleRecord> Samples)
{
    /// <summary>AlignBench's capability and dimension tables, for an AlignBench task rated by a judge.</summary>
    public AlignBenchSummary? AlignBench { get; init; }
}

/// <summary>A finished run: where its files are, and its summary.</summary>
/// <param name="Layout">The output folders.</param>
/// <param name="SummaryTimestamp">The timestamp of the summary files.</param>
/// <param name="Summary">The summary table.</param>
/// <param name="Tasks">Every task's result.</param>
public sealed record RunResult(RunOutputLayout Layout, string SummaryTimestamp, Summary Summary, IReadOnlyList<TaskResult> Tasks)
{
    /// <summary>Requests answered from the run's checkpoint (a resumed run), without asking the model.</summary>
    public int ReplayedRequests { get; init; }

    /// <summary>Requests sent to the model in this run.</summary>
    public int SentRequests { get; init; }

    /// <summary>The batch sizes measured under <see cref="RunSettings.AutoBatchSize"/>: the model's per mode (<c>gen</c>, <c>ppl</c>) and a local judge's (<c>judge</c>).</summary>
    public IReadOnlyDictionary<string, int> MeasuredBatchSizes { get; init; } = new Dictionary<string, int>();
}

/// <summary>
/// The run engine shared by the CLI and the test framework: loads every task's questions, renders prompts, sends all
/// requests of the run to the model in length-sorted batches (so subsets share batches), extracts and scores answers,
/// and writes OpenCompass's output tree and summary.
/// </summary>
public sealed class EvaluationRunner
{
    private readonly ILanguageModel _model;
    private readonly ILanguageModel? _judge;
    private readonly RunSettings _settings;
    private readonly IRunProgress _progress;
    private readonly TimeProvider _clock;
    private readonly Dictionary<string, int> _measuredBatchSizes = new(StringComparer.Ordinal);

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
        if (_settings.Mode != RunMode.Eval)
        {
            EnsureCapable(plan);
        }

        if (_settings.Postprocessor is { } postprocessor)
        {
            AnswerPostprocessors.Get(postprocessor);
        }

        EnsureJudge(plan);

        var timestamp = _settings.Timestamp ?? _clock.GetLocalNow().ToString("yyyyMMdd_HHmmss", CultureInfo.InvariantCulture);
        var layout = new RunOutputLayout(_settings.WorkDir, timestamp);
        var modelAbbr = _model.Descriptor.Abbr;
        EnsureWritable(layout.RunFolder);
        await WriteConfigAsync(plan, layout, cancellationToken).ConfigureAwait(false);

        var prepared = plan.Tasks.Select(task => Prepare(task, locateBenchmark)).ToList();
        _progress.RunStarted(prepared.Select(p => new TaskProgressInfo(p.Task.Abbr, p.Samples.Count)).ToList());

        var results = new Dictionary<EvaluationTask, TaskResult>();
        if (_settings.Mode == RunMode.Eval)
        {
            // Scoring only: the answers are the predictions an earlier infer (or all) run wrote.
            foreach (var task in prepared)
            {
                task.LoadPredictions(layout.Predictions(modelAbbr, task.Task.Abbr));
            }

            await ReportProgressAsync(prepared, results, layout, cancellationToken).ConfigureAwait(false);
            var (judgesReplayed, judgesSent) = await JudgeAsync(prepared, results, layout, cancellationToken).ConfigureAwait(false);
            return await SummarizeAsync(plan, layout, results, judgesReplayed, judgesSent, cancellationToken).ConfigureAwait(false);
        }

        // This process's checkpoint loads its own answers; those of other processes (shards) are read once beside it.
        var own = layout.Checkpoint(modelAbbr, _settings.Shard);
        var others = JsonLineStore.ReadEntries(layout.CheckpointFiles(modelAbbr).Where(f => f != own));
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

        await ReportProgressAsync(prepared, results, layout, cancellationToken).ConfigureAwait(false);
        var sent = await DispatchAsync(_model, pending.Where(r => r.Generation is not null).ToList(), results, layout, checkpoint, cancellationToken).ConfigureAwait(false)
            + await DispatchAsync(_model, pending.Where(r => r.Scoring is not null).ToList(), results, layout, checkpoint, cancellationToken).ConfigureAwait(false);
        var (judgedReplayed, judgedSent) = await JudgeAsync(prepared, results, layout, cancellationToken).ConfigureAwait(false);
        foreach (var task in prepared.Where(p => !results.ContainsKey(p.Task)))
        {
            results[task.Task] = await FinishAsync(task, layout, cancellationToken).ConfigureAwait(false);
        }

        return await SummarizeAsync(plan, layout, results, replayed + judgedReplayed, sent + judgedSent, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Refuses, before anything is asked, a run that must judge answers without a judge, or a pairwise judge without a baseline.</summary>
    private void EnsureJudge(RunPlan plan)
    {
        if (_settings.Mode == RunMode.Infer)
        {
            return;
        }

        var judged = plan.Tasks.Where(t => t.Config.Judge is not null).Select(t => t.Config.Name).Distinct().ToList();
        if (judged.Count > 0 && _judge is null)
        {
            throw new ArgumentException($"{string.Join(", ", judged)} {(judged.Count == 1 ? "is" : "are")} judged by a model, and no judge was given: name one with --judge-model or --judge-base-url (or OC_JUDGE_MODEL / OC_JUDGE_API_BASE; an <EvalJudge> item in a test project), or run --mode infer now and --mode eval with a judge later.");
        }

        if (_judge is not null && judged.Count > 0 && !_judge.Descriptor.Capabilities.HasFlag(ModelCapabilities.Generate))
        {
            throw new NotSupportedException($"Judge '{_judge.Descriptor.Abbr}' cannot generate text, so it cannot judge {string.Join(", ", judged)}.");
        }

        var pairwise = plan.Tasks.Where(t => t.Config.Judge?.Kind == JudgeKind.Pairwise).Select(t => t.Config.Name).Distinct().ToList();
        if (pairwise.Count > 0 && string.IsNullOrEmpty(_settings.Baseline))
        {
            throw new ArgumentException($"{string.Join(", ", pairwise)} compare two models' answers: name the baseline model whose predictions are in the run folder (--baseline, or EvalTestsBaseline in a test project).");
        }
    }

    /// <summary>
    /// The judge stage: once a judged task's answers are all in, its judge prompts are asked of the judge (through the
    /// judge's own checkpoint, so a resumed run or a second eval does not ask again); returns (replayed, sent).
    /// </summary>
    private async Task<(int Replayed, int Sent)> JudgeAsync(List<PreparedTask> prepared, Dictionary<EvaluationTask, TaskResult> results, RunOutputLayout layout, CancellationToken cancellationToken)
    {
        var judged = prepared.Where(p => p.Judging is not null).ToList();
        if (judged.Count == 0 || _judge is null)
        {
            return (0, 0);
        }

        var model = _model.Descriptor.Abbr;
        foreach (var task in judged)
        {
            task.StartJudging(task.Task.Config.Judge!.Kind == JudgeKind.Pairwise
                ? PreparedTask.LoadAnswers(layout.Predictions(_settings.Baseline!, task.Task.Abbr), task.Samples.Count, _settings.Baseline!, task.Task.Abbr)
                : null);
        }

        using var checkpoint = JsonLineStore.Open(layout.Checkpoint(RunOutputLayout.JudgedBy(model, _judge.Descriptor.Abbr)));
        var pending = new List<PendingRequest>();
        var replayed = 0;
        foreach (var request in judged.SelectMany(t => t.PendingJudgements(_judge.Descriptor.Identity, new GenerationSettings(t.Task.Config.Judge!.MaxOutLen ?? _settings.JudgeMaxOutLen, []))))
        {
            if (checkpoint.TryGet(request.Key, out var stored) && request.Replay(stored))
            {
                replayed++;
            }
            else
            {
                pending.Add(request);
            }
        }

        await ReportProgressAsync(judged, results, layout, cancellationToken).ConfigureAwait(false);
        var sent = await DispatchAsync(_judge, pending, results, layout, checkpoint, cancellationToken).ConfigureAwait(false);
        return (replayed, sent);
    }

    private async Task<RunResult> SummarizeAsync(RunPlan plan, RunOutputLayout layout, Dictionary<EvaluationTask, TaskResult> results, int replayed, int sent, CancellationToken cancellationToken)
    {
        var ordered = plan.Tasks.Select(t => results[t]).ToList();
        var summary = Summary.Build(_model.Descriptor.Abbr, plan.Tasks.Select(t => t.Abbr).ToList(), ordered.Select(r => r.Score).ToList(), plan.Groups);
        var summaryTimestamp = _clock.GetLocalNow().ToString("yyyyMMdd_HHmmss", CultureInfo.InvariantCulture);
        if (_settings.Mode != RunMode.Infer)
        {
            await WriteSummaryAsync(layout, summaryTimestamp, summary, (_model as IReportsUsage)?.Usage, cancellationToken).ConfigureAwait(false);
            // OpenCompass summarizes one AlignBench dataset per run under a fixed name; a second one (another judge
            // prompt) keeps its tables apart under its config's name instead of overwriting the first's.
            var rated = ordered.Where(r => r.AlignBench is not null).ToList();
            for (var i = 0; i < rated.Count; i++)
            {
                await WriteAlignBenchTablesAsync(layout, summaryTimestamp, rated[i], i == 0 ? null : rated[i].Task.Config.Name, cancellationToken).ConfigureAwait(false);
            }
        }

        return new RunResult(layout, summaryTimestamp, summary, ordered) { ReplayedRequests = replayed, SentRequests = sent, MeasuredBatchSizes = _measuredBatchSizes };
    }

    /// <summary>Fails before any model call when the run folder cannot be created or written, naming it.</summary>
    private static void EnsureWritable(string runFolder)
    {
        try
        {
            Directory.CreateDirectory(runFolder);
            var probe = Path.Combine(runFolder, $".write-probe-{Environment.ProcessId}");
            File.WriteAllText(probe, string.Empty);
            File.Delete(probe);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"Cannot write the run folder {Path.GetFullPath(runFolder)}: {ex.Message} Expected a writable work dir (--work-dir, or EvalTestsWorkDir in a test project).", ex);
        }
    }

    private void EnsureCapable(RunPlan plan)
    {
        var descriptor = _model.Descriptor;
        foreach (var mode in plan.Tasks.Select(t => t.Config.Mode).Distinct())
        {
            var needed = mode == EvalMode.Gen ? ModelCapabilities.Generate : ModelCapabilities.LogLikelihood;
            if (!descriptor.Capabilities.HasFlag(needed))
            {
                var configs = string.Join(", ", plan.Tasks.Where(t => t.Config.Mode == mode).Select(t => t.Config.Name).Distinct());
                throw new NotSupportedException($"Model '{descriptor.Abbr}' cannot serve {mode.ToString().ToLowerInvariant()} mode ({configs}): it does not offer {needed}{(descriptor.Limitations is { } why ? $" ({why})" : string.Empty)}.");
            }
        }
    }

    private PreparedTask Prepare(EvaluationTask task, Func<DatasetCard, string> locateBenchmark)
    {
        var card = task.Card;
        var folder = locateBenchmark(card);
        DataIntegrity.EnsureValid(card, folder, DatasetLoader.DataFiles(card, task.Subset.Name));
        var samples = DatasetLoader.Load(card, folder, card.Splits.Eval, task.Subset.Name);
        if ((_settings.LimitPerConfig.TryGetValue(task.Config.Name, out var configLimit) ? configLimit : _settings.Limit) is { } limit)
        {
            samples = samples.Take(limit).ToList();
        }

        var shots = task.Config.FewShotIds.Count > 0 ? DatasetLoader.Load(card, folder, card.Splits.FewShot!, task.Subset.Name) : [];
        var prompter = new TemplatePrompter(task.Config, task.Subset, shots);
        var counter = _model.TokenCounter;
        var maxSeqLen = _settings.MaxSeqLen ?? _model.Descriptor.MaxSequenceLength;
        var generation = new GenerationSettings(_settings.MaxOutLen ?? task.Config.MaxOutLen ?? 100, task.Config.StopStrings);
        return new PreparedTask(task, samples, prompter, counter, maxSeqLen, generation, _model.Descriptor.Identity, judged: _settings.Mode != RunMode.Infer)
        {
            PostprocessorOverride = _settings.Postprocessor,
            TokenLengths = _settings.BatchTokens is not null,
        };
    }

    /// <summary>Asks the model for the requests in batches; returns how many were sent (copies of one request count once).</summary>
    private async Task<int> DispatchAsync(ILanguageModel model, List<PendingRequest> requests, Dictionary<EvaluationTask, TaskResult> results, RunOutputLayout layout, JsonLineStore checkpoint, CancellationToken cancellationToken)
    {
        // Identical requests (a question repeated in a subset, or the same prompt in two configs) are asked once.
        var copies = requests.ToLookup(r => r.Key);
        var distinct = requests.DistinctBy(r => r.Key).ToList();
        foreach (var batch in Batches(distinct, BatchSizeFor(model, distinct, cancellationToken)))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (batch[0].Generation is not null)
            {
                var outputs = await GenerateAsync(model, batch, cancellationToken).ConfigureAwait(false);
                for (var i = 0; i < batch.Length; i++)
                {
                    Deliver(batch[i], outputs[i], null, outputs[i].Error is null ? ResultJson.From(outputs[i]) : null);
                }
            }
            else
            {
                var outputs = await ScoreAsync(model, batch, cancellationToken).ConfigureAwait(false);
                for (var i = 0; i < batch.Length; i++)
                {
                    Deliver(batch[i], null, outputs[i], outputs[i].Error is null ? ResultJson.From(outputs[i]) : null);
                }
            }

            await ReportProgressAsync(batch.SelectMany(r => copies[r.Key]).Select(r => r.Owner).Distinct(), results, layout, cancellationToken).ConfigureAwait(false);
        }

        return distinct.Count;

        // An answer goes to every copy of its request; a good one is checkpointed (once, under the shared key).
        void Deliver(PendingRequest asked, GenerationResult? generation, LogLikelihoodResult? score, System.Text.Json.Nodes.JsonObject? stored)
        {
            foreach (var request in copies[asked.Key])
            {
                request.Owner.Complete(request, generation, score);
            }

            if (stored is not null)
            {
                checkpoint.Add(asked.Key, stored);
            }
        }
    }

    /// <summary>
    /// The configured batch size, or under <see cref="RunSettings.AutoBatchSize"/> the largest that <paramref name="model"/>
    /// (the evaluated one, or a local judge) measures for the longest request.
    /// </summary>
    private int BatchSizeFor(ILanguageModel model, List<PendingRequest> requests, CancellationToken cancellationToken)
    {
        if (!_settings.AutoBatchSize || requests.Count == 0 || model is not IBatchCapacity capacity)
        {
            return _settings.BatchSize;
        }

        var mode = requests[0].Generation is not null ? EvalMode.Gen : EvalMode.Ppl;
        var counter = model.TokenCounter;
        var longest = requests.Max(r => counter?.CountTokens(r.Generation?.Prompt ?? r.Scoring!.Prompt) ?? r.Length);
        var newTokens = requests.Max(r => r.Generation?.Settings.MaxOutputTokens ?? 0);
        var size = Math.Max(1, capacity.LargestBatch(longest, newTokens, requests.Count, cancellationToken));
        _measuredBatchSizes[requests[0].IsJudgement ? "judge" : mode == EvalMode.Gen ? "gen" : "ppl"] = size;
        return size;
    }

    /// <summary>A batch's generations; a batch the model fails is an errored answer for each of its requests.</summary>
    private static async Task<IReadOnlyList<GenerationResult>> GenerateAsync(ILanguageModel model, PendingRequest[] batch, CancellationToken cancellationToken)
    {
        try
        {
            return await model.GenerateAsync(batch.Select(r => r.Generation!).ToList(), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return batch.Select(_ => new GenerationResult(string.Empty, 0, 0, ex.Message)).ToList();
        }
    }

    /// <summary>A batch's log-likelihoods; a batch the model fails is an errored score for each of its requests.</summary>
    private static async Task<IReadOnlyList<LogLikelihoodResult>> ScoreAsync(ILanguageModel model, PendingRequest[] batch, CancellationToken cancellationToken)
    {
        try
        {
            return await model.LogLikelihoodAsync(batch.Select(r => r.Scoring!).ToList(), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return batch.Select(_ => new LogLikelihoodResult([], 0, ex.Message)).ToList();
        }
    }

    /// <summary>Reports newly answered questions, and finishes (scores and writes) every task that is now complete.</summary>
    private async Task ReportProgressAsync(IEnumerable<PreparedTask> owners, Dictionary<EvaluationTask, TaskResult> results, RunOutputLayout layout, CancellationToken cancellationToken)
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
                results[owner.Task] = await FinishAsync(owner, layout, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Longest first (the slowest batches run while the ETA is still rough, and similar lengths share a batch), with
    /// the requests of one question kept in one batch so a backend can encode their shared prompt once; a batch is full
    /// at <paramref name="batchSize"/> requests, or with a token budget when its rows × longest request would
    /// pass the budget.
    /// </summary>
    private IEnumerable<PendingRequest[]> Batches(List<PendingRequest> requests, int batchSize)
    {
        var questions = requests
            .GroupBy(r => (r.Owner, r.Sample))
            .OrderByDescending(q => q.Max(r => r.Length))
            .ThenBy(q => q.Key.Owner.Task.Abbr, StringComparer.Ordinal)
            .ThenBy(q => q.Key.Sample);
        var batch = new List<PendingRequest>(batchSize);
        var longest = 0;
        foreach (var question in questions)
        {
            var members = question.ToList();
            var rows = batch.Count + members.Count;
            // Questions come longest first, so the first question of a batch sets its padded length.
            var full = _settings.BatchTokens is { } budget ? rows * (long)longest > budget : rows > batchSize;
            if (batch.Count > 0 && full)
            {
                yield return batch.ToArray();
                batch.Clear();
            }

            if (batch.Count == 0)
            {
                longest = members.Max(r => r.Length);
            }

            batch.AddRange(members);
        }

        if (batch.Count > 0)
        {
            yield return batch.ToArray();
        }
    }

    private async Task<TaskResult> FinishAsync(PreparedTask task, RunOutputLayout layout, CancellationToken cancellationToken)
    {
        var model = _model.Descriptor.Abbr;
        var judgements = task.Judging?.Judgements(task.Samples.Count);
        var records = task.Score(judgements);
        var score = SubsetScore.From(records.Select(r => r.Outcome));
        var metrics = new Dictionary<string, double>();
        AlignBenchSummary? alignBench = null;
        if (task.Judging is { } judging)
        {
            if (judging.Spec.Kind == JudgeKind.Rating && task.Task.Card.Format == "alignbench-jsonl")
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
            await OutputJson.WriteAsync(layout.JudgeOutputs(model, _judge!.Descriptor.Abbr, task.Task.Abbr, judging.Spec.Kind == JudgeKind.Verifier), judging.OutputsJson(task.GoldOf, judgements!), cancellationToken).ConfigureAwait(false);
        }

        var datasetScore = new DatasetScore(task.Task.Abbr, task.Task.Version, task.Task.Config.Mode == EvalMode.Gen ? "gen" : "ppl", task.Task.Config.Metric, score);

        if (_settings.Mode != RunMode.Eval)
        {
            await OutputJson.WriteAsync(layout.Predictions(model, task.Task.Abbr), task.PredictionsJson(), cancellationToken).ConfigureAwait(false);
            await WriteLogAsync(layout.InferLog(model, task.Task.Abbr), task.InferLog(), cancellationToken).ConfigureAwait(false);
        }

        if (_settings.Mode != RunMode.Infer)
        {
            await OutputJson.WriteAsync(layout.Results(model, task.Task.Abbr), ResultsJson(datasetScore, records, metrics), cancellationToken).ConfigureAwait(false);
            await WriteLogAsync(layout.EvalLog(model, task.Task.Abbr),
                string.Create(CultureInfo.InvariantCulture, $"{task.Task.Abbr}: {datasetScore.Metric}={score.Value:F2} stderr={score.ValueStandardError:F2} n={score.Total} correct={score.Correct} wrong={score.Wrong} unparsed={score.Unparsed} errored={score.Errored}{(score.Scored > 0 ? $" scored={score.Scored}" : string.Empty)}{(task.PostprocessorName is { } name ? $" postprocessor={name}" : string.Empty)}{(task.Judging is not null ? $" judge={_judge!.Descriptor.Abbr}" : string.Empty)}\n"),
                cancellationToken).ConfigureAwait(false);
        }

        _progress.TaskCompleted(task.Task.Abbr, score);
        return new TaskResult(task.Task, datasetScore, records) { AlignBench = alignBench };
    }

    private static JsonObject ResultsJson(DatasetScore score, IReadOnlyList<SampleRecord> records, IReadOnlyDictionary<string, double> metrics)
    {
        var s = score.Score;
        var details = new JsonObject();
        foreach (var record in records)
        {
            var detail = new JsonObject
            {
                ["pred"] = record.Answer,
                ["gold"] = record.Gold,
                ["outcome"] = record.Outcome.ToString().ToLowerInvariant(),
            };
            if (record.Error is not null)
            {
                detail["error"] = record.Error;
            }

            details[record.Index.ToString(CultureInfo.InvariantCulture)] = detail;
        }

        var counts = new JsonObject
        {
            ["n"] = s.Total,
            ["correct"] = s.Correct,
            ["wrong"] = s.Wrong,
            ["unparsed"] = s.Unparsed,
            ["errored"] = s.Errored,
        };
        if (s.Scored > 0)
        {
            counts["scored"] = s.Scored;
        }

        counts["stderr"] = FiniteOrNull(s.ValueStandardError);
        counts["version"] = score.Version;
        var json = new JsonObject { [score.Metric] = FiniteOrNull(s.Value) };
        foreach (var (name, value) in metrics)
        {
            json[name] = value;
        }

        json["evaltests"] = counts;
        json["details"] = details;
        return json;
    }

    private async Task WriteConfigAsync(RunPlan plan, RunOutputLayout layout, CancellationToken cancellationToken)
    {
        var descriptor = _model.Descriptor;
        var config = new JsonObject
        {
            ["models"] = new JsonArray(new JsonObject
            {
                ["abbr"] = descriptor.Abbr,
                ["identity"] = descriptor.Identity,
                ["max_seq_len"] = descriptor.MaxSequenceLength,
                ["batch_size"] = _settings.AutoBatchSize ? "auto" : _settings.BatchSize,
                ["max_out_len"] = _settings.MaxOutLen,
            }),
            ["judge_models"] = _judge is null ? new JsonArray() : new JsonArray(new JsonObject
            {
                ["abbr"] = _judge.Descriptor.Abbr,
                ["identity"] = _judge.Descriptor.Identity,
                ["max_out_len"] = _settings.JudgeMaxOutLen,
            }),
            ["datasets"] = new JsonArray(plan.Tasks.Select(t => (JsonNode)new JsonObject
            {
                ["abbr"] = t.Abbr,
                ["config"] = t.Config.Name,
                ["version"] = t.Version,
                ["mode"] = t.Config.Mode == EvalMode.Gen ? "gen" : "ppl",
            }).ToArray()),
            ["summarizer"] = new JsonObject
            {
                ["summary_groups"] = new JsonArray(plan.Groups.Select(g => (JsonNode)new JsonObject
                {
                    ["name"] = g.Name,
                    ["subsets"] = new JsonArray(g.Members.Select(m => (JsonNode)JsonValue.Create(m)!).ToArray()),
                }).ToArray()),
            },
            ["work_dir"] = Path.GetFullPath(layout.RunFolder),
            ["limit"] = _settings.Limit,
            ["max_seq_len_override"] = _settings.MaxSeqLen,
        };
        await OutputJson.WriteAsync(layout.ConfigFile(Environment.ProcessId), config, cancellationToken).ConfigureAwait(false);
    }

    private static async Task WriteSummaryAsync(RunOutputLayout layout, string timestamp, Summary summary, ModelUsage? usage, CancellationToken cancellationToken)
    {
        var txt = layout.SummaryFile(timestamp, "txt");
        Directory.CreateDirectory(Path.GetDirectoryName(txt)!);
        await File.WriteAllTextAsync(txt, summary.ToSummaryFile(timestamp), cancellationToken).ConfigureAwait(false);
        await File.WriteAllTextAsync(layout.SummaryFile(timestamp, "csv"), summary.ToCsv(), cancellationToken).ConfigureAwait(false);
        await File.WriteAllTextAsync(layout.SummaryFile(timestamp, "md"), summary.ToMarkdown(), cancellationToken).ConfigureAwait(false);
        var rows = new JsonArray(summary.Rows.Select(row => (JsonNode)new JsonObject
        {
            ["dataset"] = row.Dataset,
            ["version"] = row.Version,
            ["metric"] = row.Metric,
            ["mode"] = row.Mode,
            ["scores"] = new JsonObject(summary.Models.Select((m, i) => KeyValuePair.Create(m, FiniteOrNull(row.Scores[i])))),
            ["stderr"] = new JsonObject(summary.Models.Select((m, i) => KeyValuePair.Create(m, FiniteOrNull(row.StandardErrors[i])))),
        }).ToArray());
        var json = new JsonObject { ["rows"] = rows };
        if (usage is not null)
        {
            json["usage"] = new JsonObject
            {
                ["requests"] = usage.Requests,
                ["retries"] = usage.Retries,
                ["failures"] = usage.Failures,
                ["cache_hits"] = usage.CacheHits,
                ["prompt_tokens"] = usage.PromptTokens,
                ["completion_tokens"] = usage.CompletionTokens,
            };
        }

        await OutputJson.WriteAsync(layout.SummaryFile(timestamp, "json"), json, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// AlignmentBenchSummarizer's tables under <c>summary/&lt;ts&gt;/</c>: the capability table (总分, then each family's
    /// total and its categories, with its numbered and two header rows), and for the per-dimension format (judge type
    /// <c>general</c>) the mean of every dimension.
    /// </summary>
    private async Task WriteAlignBenchTablesAsync(RunOutputLayout layout, string timestamp, TaskResult rated, string? distinctName, CancellationToken cancellationToken)
    {
        var tables = rated.AlignBench!;
        var model = _model.Descriptor.Abbr;
        var name = $"Alignbench-judged-by--{_judge!.Descriptor.Abbr}" + (distinctName is null ? string.Empty : "-" + distinctName);

        var families = AlignBenchSummary.Families;
        var columns = 2 + families.Sum(f => 1 + f.Categories.Count);
        var header = new List<string> { "模型", "总分" };
        var subHeader = new List<string> { "模型", "总分" };
        var row = new List<string> { model, PythonRepr.FormatFloat(tables.Capabilities["总分"]) };
        foreach (var (family, categories) in families)
        {
            header.Add(family);
            header.AddRange(categories.Select(_ => string.Empty));
            subHeader.Add(family + "总分");
            subHeader.AddRange(categories);
            row.Add(PythonRepr.FormatFloat(tables.Capabilities[family + "总分"]));
            row.AddRange(categories.Select(c => PythonRepr.FormatFloat(tables.Capabilities[c])));
        }

        var capabilities = CsvLines(Enumerable.Range(0, columns).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToList(), header, subHeader, row);
        var capabilityFile = layout.SubjectiveSummaryFile(timestamp, name + "-capability.csv");
        Directory.CreateDirectory(Path.GetDirectoryName(capabilityFile)!);
        await File.WriteAllTextAsync(capabilityFile, capabilities, cancellationToken).ConfigureAwait(false);
        if (rated.Task.Config.Judge!.RatingFormat == RatingFormat.AlignBench)
        {
            var dimensions = CsvLines(["模型", .. tables.Dimensions.Keys], [model, .. tables.Dimensions.Values.Select(PythonRepr.FormatFloat)]);
            await File.WriteAllTextAsync(layout.SubjectiveSummaryFile(timestamp, name + "-dimension.csv"), dimensions, cancellationToken).ConfigureAwait(false);
        }

        // Python's csv.writer: cells joined by commas, quoted only when they hold a comma, quote or line break; \r\n line ends.
        static string CsvLines(params IReadOnlyList<string>[] rows) => string.Concat(rows.Select(r => string.Join(",", r.Select(Quote)) + "\r\n"));
        static string Quote(string cell) => cell.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + cell.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : cell;
    }

    /// <summary>A score as JSON: null where there is none (missing, or NaN when nothing could be scored), as JSON has no NaN.</summary>
    private static JsonNode? FiniteOrNull(double? value) => value is { } v && double.IsFinite(v) ? JsonValue.Create(v) : null;

    private static async Task WriteLogAsync(string path, string text, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllTextAsync(path, text, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One request of the run, the sample (and label) it belongs to, and its <see cref="RequestKey"/>.</summary>
    internal sealed record PendingRequest(PreparedTask Owner, int Sample, int Label, int Length, GenerationRequest? Generation, LogLikelihoodRequest? Scoring, string Key)
    {
        /// <summary>Whether this asks the judge about an answer (<see cref="Label"/> is then the judgement's slot).</summary>
        public bool IsJudgement { get; init; }

        /// <summary>Completes the request with a stored answer; false when the stored value is not one.</summary>
        public bool Replay(System.Text.Json.Nodes.JsonNode stored)
        {
            if (Generation is not null && ResultJson.Generation(stored) is { } generated)
            {
                Owner.Complete(this, generated, null);
                return true;
            }

            if (Scoring is not null && ResultJson.LogLikelihood(stored) is { } scored)
            {
                Owner.Complete(this, null, scored);
                return true;
            }

            return false;
        }
    }

    /// <summary>A task with its questions loaded and prompts rendered, collecting model outputs as they come.</summary>
    internal sealed class PreparedTask
    {
        private readonly RenderedPrompt[]? _genPrompts;
        private readonly IReadOnlyList<LabelPrompt>[]? _labelPrompts;
        private readonly GenerationResult?[] _generations;
        private readonly LogLikelihoodResult?[][] _scores;
        private readonly int[] _remaining;
        private readonly GenerationSettings _generation;
        private readonly string _modelIdentity;
        private readonly ITokenCounter? _counter;
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private int _completed;
        private int _reported;

        public PreparedTask(EvaluationTask task, IReadOnlyList<DatasetSample> samples, TemplatePrompter prompter, ITokenCounter? counter, int? maxSeqLen, GenerationSettings generation, string modelIdentity, bool judged)
        {
            Judging = judged && task.Config.Judge is { } judge ? new TaskJudging(judge) : null;
            _modelIdentity = modelIdentity;
            _counter = counter;
            Task = task;
            Samples = samples;
            Prompter = prompter;
            _generation = generation;
            _generations = new GenerationResult?[samples.Count];
            _scores = samples.Select(_ => new LogLikelihoodResult?[task.Config.Labels.Count]).ToArray();
            if (task.Config.Mode == EvalMode.Gen)
            {
                _genPrompts = samples.Select(s => prompter.BuildGeneration(s, counter, maxSeqLen)).ToArray();
                _remaining = samples.Select(_ => 1).ToArray();
            }
            else
            {
                _labelPrompts = samples.Select(s => prompter.BuildPerplexity(s, counter, maxSeqLen)).ToArray();
                _remaining = samples.Select(_ => task.Config.Labels.Count).ToArray();
            }
        }

        public EvaluationTask Task { get; }

        /// <summary>Whether requests are measured in tokens (for a token budget) rather than characters (for ordering).</summary>
        public bool TokenLengths { get; init; }

        private int LengthOf(Prompt prompt) => TokenLengths && _counter is not null ? _counter.CountTokens(prompt) : prompt.ToPlainText().Length;

        /// <summary>A postprocessor replacing the config's (gen tasks), by name.</summary>
        public string? PostprocessorOverride { get; init; }

        /// <summary>The postprocessor that extracts answers, by name (null for ppl tasks and configs without one).</summary>
        public string? PostprocessorName => _genPrompts is null ? null : PostprocessorOverride ?? Task.Config.Postprocessor;

        public IReadOnlyList<DatasetSample> Samples { get; }

        public TemplatePrompter Prompter { get; }

        /// <summary>The judge stage, for configs judged by a model (and runs that judge: not infer mode).</summary>
        public TaskJudging? Judging { get; }

        public bool IsComplete => _completed == Samples.Count && (Judging is null || Judging.IsComplete);

        /// <summary>The gold answer of a sample: its gold column, through the config's gold postprocessor.</summary>
        public string GoldOf(int sample)
        {
            var raw = Samples[sample][Task.Config.GoldColumn];
            return Task.Config.GoldPostprocessor is { } name ? AnswerPostprocessors.Get(name).Extract(raw) : raw;
        }

        /// <summary>Renders the judge prompts once every answer is in; <paramref name="baseline"/> holds a pairwise judge's other answers.</summary>
        public void StartJudging(IReadOnlyList<string>? baseline)
        {
            var postprocessor = PostprocessorName is { } name ? AnswerPostprocessors.Get(name) : null;
            var answers = _generations.Select((g, i) =>
                g is null || g.Error is not null ? null
                // A cascade judges only what the rule finds wrong.
                : Judging!.Spec.Cascade && postprocessor is not null && AnswerComparison.Matches(Task.Config.Comparison, postprocessor.Extract(g.Text), GoldOf(i)) ? null
                : g.Text).ToList();
            Judging!.Start(Samples, answers, GoldOf, baseline);
        }

        public IEnumerable<PendingRequest> PendingJudgements(string judgeIdentity, GenerationSettings settings) =>
            Judging!.Items.Select(item =>
            {
                var request = new GenerationRequest(item.Prompt, settings);
                return new PendingRequest(this, item.Sample, item.Slot, LengthOf(item.Prompt) + (TokenLengths ? settings.MaxOutputTokens : 0), request, null, RequestKey.For(judgeIdentity, request)) { IsJudgement = true };
            });

        /// <summary>The gen answers (an errored one as null), as a baseline's predictions file gives them to a pairwise judge.</summary>
        public static IReadOnlyList<string> LoadAnswers(string path, int count, string model, string abbr)
        {
            var root = ReadPredictionsFile(path, $"no predictions of the baseline model '{model}' for {abbr}; run the baseline on this run folder first (evaltests run --model {model} --mode infer --work-dir <work-dir> --reuse <timestamp>).");
            return Enumerable.Range(0, count).Select(i => root[i.ToString(CultureInfo.InvariantCulture)]?["prediction"]?.GetValue<string>()
                ?? throw new InvalidDataException($"{path}: the baseline '{model}' has no prediction for question {i} of {abbr}.")).ToList();
        }

        public IEnumerable<PendingRequest> PendingRequests()
        {
            for (var i = 0; i < Samples.Count; i++)
            {
                if (_genPrompts is not null)
                {
                    var request = new GenerationRequest(_genPrompts[i].Prompt, _generation);
                    yield return new PendingRequest(this, i, 0, LengthOf(request.Prompt) + (TokenLengths ? _generation.MaxOutputTokens : 0), request, null, RequestKey.For(_modelIdentity, request));
                }
                else
                {
                    var labels = _labelPrompts![i];
                    for (var l = 0; l < labels.Count; l++)
                    {
                        var request = new LogLikelihoodRequest(labels[l].Prompt);
                        yield return new PendingRequest(this, i, l, LengthOf(request.Prompt), null, request, RequestKey.For(_modelIdentity, request));
                    }
                }
            }
        }

        /// <summary>A predictions file an earlier run (or process) wrote, or an error naming it: <paramref name="whenMissing"/> when it does not exist.</summary>
        private static JsonObject ReadPredictionsFile(string path, string whenMissing)
        {
            try
            {
                return JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new InvalidDataException($"{path}: expected a JSON object keyed by question index.");
            }
            catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
            {
                throw new InvalidDataException($"{path}: {whenMissing}");
            }
            catch (System.Text.Json.JsonException ex)
            {
                throw new InvalidDataException($"{path}: not valid JSON (line {ex.LineNumber + 1}): {ex.Message}");
            }
        }

        public void Complete(PendingRequest request, GenerationResult? generation, LogLikelihoodResult? score)
        {
            if (request.IsJudgement)
            {
                Judging!.Complete(request.Sample, request.Label, generation!);
                return;
            }

            if (generation is not null)
            {
                _generations[request.Sample] = generation;
            }
            else
            {
                _scores[request.Sample][request.Label] = score;
            }

            if (--_remaining[request.Sample] == 0)
            {
                _completed++;
            }
        }

        public int TakeNewlyCompletedSamples()
        {
            var fresh = _completed - _reported;
            _reported = _completed;
            return fresh;
        }

        /// <summary>
        /// Takes the answers from a predictions file an earlier run wrote (eval mode): the generated text, or each
        /// option's PPL; a recorded error stays an error.
        /// </summary>
        /// <exception cref="InvalidDataException">The file is missing, not JSON, or lacks a question.</exception>
        public void LoadPredictions(string path)
        {
            var root = ReadPredictionsFile(path, $"no predictions for {Task.Abbr}; run --mode infer (or all) on this run first.");

            for (var i = 0; i < Samples.Count; i++)
            {
                var entry = root[i.ToString(CultureInfo.InvariantCulture)] as JsonObject
                    ?? throw new InvalidDataException($"{path}: no prediction for question {i}; run --mode infer (or all) on this run to finish it.");
                var error = entry["error"]?.GetValue<string>();
                if (_genPrompts is not null)
                {
                    _generations[i] = new GenerationResult(entry["prediction"]?.GetValue<string>() ?? string.Empty, 0, 0, error);
                }
                else
                {
                    var labels = Task.Config.Labels;
                    for (var l = 0; l < labels.Count; l++)
                    {
                        // The recorded PPL is the mean negative log-likelihood: one value whose mean is itself.
                        var ppl = entry[$"label: {labels[l]}"]?["PPL"]?.GetValue<double?>();
                        _scores[i][l] = error is not null || ppl is null
                            ? new LogLikelihoodResult([], 0, error ?? $"no PPL recorded for label {labels[l]}")
                            : new LogLikelihoodResult([-ppl.Value], 0);
                    }
                }

                _completed++;
            }
        }

        /// <summary>Every sample's outcome; <paramref name="judged"/> holds the judge's verdicts of a judged task (see <see cref="TaskJudging.Judgements"/>).</summary>
        public IReadOnlyList<SampleRecord> Score(IReadOnlyList<JudgedSample?>? judged)
        {
            var records = new List<SampleRecord>(Samples.Count);
            var postprocessor = PostprocessorName is { } name ? AnswerPostprocessors.Get(name) : null;
            for (var i = 0; i < Samples.Count; i++)
            {
                var gold = GoldOf(i);
                if (_genPrompts is not null)
                {
                    var output = _generations[i]!;
                    if (output.Error is not null)
                    {
                        records.Add(new SampleRecord(Samples[i].Index, gold, string.Empty, string.Empty, SampleOutcome.Errored, output.Error));
                        continue;
                    }

                    var answer = postprocessor?.Extract(output.Text) ?? output.Text;
                    if (judged?[i] is { } verdict)
                    {
                        records.Add(new SampleRecord(Samples[i].Index, gold, verdict.Verdict, output.Text, verdict.Outcome, verdict.Error));
                        continue;
                    }

                    // Not judged: no judge in this config, or a cascade's rule found the answer right.
                    var outcome = answer.Length == 0 ? SampleOutcome.Unparsed : AnswerComparison.Matches(Task.Config.Comparison, answer, gold) ? SampleOutcome.Correct : SampleOutcome.Wrong;
                    records.Add(new SampleRecord(Samples[i].Index, gold, answer, output.Text, outcome, null));
                }
                else
                {
                    var scores = _scores[i];
                    var error = scores.FirstOrDefault(s => s!.Error is not null)?.Error;
                    if (error is not null)
                    {
                        records.Add(new SampleRecord(Samples[i].Index, gold, string.Empty, string.Empty, SampleOutcome.Errored, error));
                        continue;
                    }

                    var best = 0;
                    for (var l = 1; l < scores.Length; l++)
                    {
                        // Strictly lower wins, so ties go to the first label as with Python's index(min(...)).
                        if (scores[l]!.Ppl < scores[best]!.Ppl)
                        {
                            best = l;
                        }
                    }

                    var label = Task.Config.Labels[best];
                    records.Add(new SampleRecord(Samples[i].Index, gold, label, label, label == gold ? SampleOutcome.Correct : SampleOutcome.Wrong, null));
                }
            }

            return records;
        }

        public JsonObject PredictionsJson()
        {
            var root = new JsonObject();
            for (var i = 0; i < Samples.Count; i++)
            {
                var key = i.ToString(CultureInfo.InvariantCulture);
                var gold = GoldOf(i);
                if (_genPrompts is not null)
                {
                    var output = _generations[i]!;
                    var entry = new JsonObject
                    {
                        ["origin_prompt"] = _genPrompts[i].Prompt.ToPlainText(),
                        ["prediction"] = output.Text,
                        ["gold"] = gold,
                    };
                    if (output.Error is not null)
                    {
                        entry["error"] = output.Error;
                    }

                    root[key] = entry;
                    continue;
                }

                var labels = _labelPrompts![i];
                var examples = Prompter.RenderExamples(labels[^1].Shots);
                var item = new JsonObject { ["in-context examples"] = examples };
                var best = -1;
                for (var l = 0; l < labels.Count; l++)
                {
                    var full = labels[l].Prompt.ToPlainText();
                    // As OpenCompass: the testing input is the prompt with the examples' text removed.
                    var testingInput = examples.Length > 0 ? full.Replace(examples, string.Empty, StringComparison.Ordinal) : full;
                    item.TryAdd("origin_prompt", testingInput);
                    var score = _scores[i][l]!;
                    item[$"label: {labels[l].Label}"] = new JsonObject
                    {
                        ["testing input"] = testingInput,
                        ["prompt"] = full,
                        ["PPL"] = score.Error is null ? score.Ppl : null,
                    };
                    if (score.Error is null && (best < 0 || score.Ppl < _scores[i][best]!.Ppl))
                    {
                        best = l;
                    }
                }

                var failed = _scores[i].FirstOrDefault(s => s!.Error is not null)?.Error;
                item["prediction"] = failed is null && best >= 0 ? labels[best].Label : string.Empty;
                item["gold"] = gold;
                if (failed is not null)
                {
                    item["error"] = failed;
                }

                root[key] = item;
            }

            return root;
        }

        public string InferLog()
        {
            var shots = _genPrompts is not null ? _genPrompts.Select(p => p.Shots).ToList() : _labelPrompts!.Select(p => p[^1].Shots).ToList();
            var configured = Task.Config.FewShotIds.Count;
            var promptTokens = _generations.Where(g => g is not null).Sum(g => (long)g!.PromptTokens);
            var outputTokens = _generations.Where(g => g is not null).Sum(g => (long)g!.OutputTokens);
            return string.Create(CultureInfo.InvariantCulture,
                $"""
                dataset: {Task.Abbr} ({Task.Config.Name}, subset {Task.Subset.Name}, version {Task.Version})
                samples: {Samples.Count}
                in-context examples: configured {configured}, kept min {shots.DefaultIfEmpty(0).Min()} / max {shots.DefaultIfEmpty(0).Max()}; {shots.Count(s => s < configured)} prompt(s) shortened to fit the context
                prompt tokens: {promptTokens}, generated tokens: {outputTokens}
                wall time: {_clock.Elapsed.TotalSeconds:F1} s

                """);
        }
    }
}
