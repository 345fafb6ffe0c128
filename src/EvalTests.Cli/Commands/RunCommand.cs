using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using EvalTests.Cli.Notifications;
using EvalTests.Cli.Rendering;
using EvalTests.Datasets;
using EvalTests.Models;
using EvalTests.Python;
using EvalTests.Runs;
using EvalTests.Scoring;
using Spectre.Console;

namespace EvalTests.Cli.Commands;

/// <summary><c>evaltests run</c>: evaluate a model on datasets and print the OpenCompass summary.</summary>
internal static class RunCommand
{
    public static Command Create(TextWriter output)
    {
        var models = new ModelOptions();
        var cards = new CardOptions();
        var judges = new ModelOptions("judge");
        var judgeMaxOutLen = new Option<int>("--judge-max-out-len") { Description = "Most tokens the judge writes per judgement.", DefaultValueFactory = _ => 1024 };
        var baseline = new Option<string?>("--baseline") { Description = "Pairwise-judged datasets: the model (abbr) whose answers are compared; run it on the same run folder first (--mode infer --reuse <ts>)." };
        var datasets = new Option<string[]>("--datasets", "-d") { Description = "Dataset configs (e.g. ceval_gen ceval_ppl cmmlu_ppl); see `evaltests list`.", AllowMultipleArgumentsPerToken = true };
        var subsets = new Option<string[]>("--subsets") { Description = "Only these subsets (e.g. computer_network law).", AllowMultipleArgumentsPerToken = true };
        var dataRoot = new Option<string?>("--data-root") { Description = $"Folder holding ceval/, cmmlu/, … (else ${DataRootResolver.EnvironmentVariable}, the build default, then the per-user cache)." };
        var workDir = new Option<string>("--work-dir", "-w") { Description = "Output folder; each run writes <work-dir>/<timestamp>/.", DefaultValueFactory = _ => Path.Combine("outputs", "default") };
        var batchSize = new Option<string>("--batch-size") { Description = "Requests per model call, or auto: the largest batch of the longest request that fits in memory, measured per mode before asking.", DefaultValueFactory = _ => BatchSizeSetting.DefaultSize.ToString(CultureInfo.InvariantCulture) };
        var batchTokens = new Option<int?>("--batch-tokens") { Description = "Pack batches by a token budget (rows × longest request) instead of --batch-size requests." };
        var maxOutLen = new Option<int?>("--max-out-len") { Description = "Most tokens generated per answer (default: the dataset config's own, else 100)." };
        var maxSeqLen = new Option<int?>("--max-seq-len") { Description = "Prompt token limit for dropping in-context examples (default: the model's context length)." };
        var limit = new Option<int?>("--limit") { Description = "Only the first N questions of each subset (smoke runs)." };
        var testRange = new Option<string?>("--test-range") { Description = "Only the rows of each subset this Python slice selects, as OpenCompass's test_range (e.g. '[0:100]', '[-50:]', '[::10]'); applied before --limit." };
        var mode = new Option<RunMode>("--mode") { Description = "all (ask and score), infer (only ask: predictions), or eval (only score the predictions of --reuse's run, no model).", DefaultValueFactory = _ => RunMode.All };
        var postprocessor = new Option<string?>("--postprocessor") { Description = "Extract gen answers with this postprocessor instead of the config's (e.g. re-score with --mode eval), as NAME[:key=value,...]: first_capital, last_capital, first_option:options=ABCDE, last_option:options=ABCD, match_answer_pattern:answer_pattern=REGEX, multiple_select, gsm8k, … (docs/postprocessors.md)." };
        var shard = new Option<string?>("--shard") { Description = "Run only slice i of n (e.g. 2/4): tasks dealt largest first, the same split on every machine; combine with `evaltests merge`." };
        var workers = new Option<int>("--max-num-workers") { Description = "Split the run over N worker processes (shards of one run folder), then score and summarize it.", DefaultValueFactory = _ => 1 };
        var lark = new Option<string?>("--lark") { Description = "Post the run's start, summary and failure to this Lark/Feishu bot webhook (or env:NAME, a variable holding it), as OpenCompass's --lark." };
        var notify = new Option<string?>("--notify") { Description = "Post the run's start, summary and failure to this Slack-compatible webhook (or env:NAME, a variable holding it)." };
        var dryRun = new Option<bool>("--dry-run") { Description = "Print what the run would do (datasets, subsets, questions, model calls, prompt tokens) and stop: the model is loaded, nothing is asked." };
        var debug = new Option<bool>("--debug") { Description = "One process (no --max-num-workers workers) and full exception traces, as OpenCompass's --debug." };
        var reuse = new Option<string?>("--reuse", "-r") { Description = "Continue a run in the work dir: the given timestamp, or the latest; answers already given are not asked again.", Arity = ArgumentArity.ZeroOrOne };

        var command = new Command("run", "Evaluate a model on datasets and print the summary table (OpenCompass's run.py).")
        {
            datasets, subsets, dataRoot, workDir, batchSize, batchTokens, maxOutLen, maxSeqLen, limit, testRange, mode, postprocessor, shard, workers, reuse, baseline, judgeMaxOutLen, lark, notify, dryRun, debug,
        };
        foreach (var option in models.Evaluated.Concat(judges.All).Concat(cards.All))
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parse, cancellationToken) =>
        {
            Webhook?[] hooks = [Webhook.Parse(parse.GetValue(lark), WebhookFormat.Lark, "--lark"), Webhook.Parse(parse.GetValue(notify), WebhookFormat.Slack, "--notify")];
            using var notifier = new RunNotifier([.. hooks.OfType<Webhook>()], output);
            (string Path, string Table)? finished = null;
            await notifier.StartedAsync($"evaltests run {string.Join(' ', parse.Tokens.Where(t => !t.Value.Contains("://", StringComparison.Ordinal) && !t.Value.StartsWith("env:", StringComparison.Ordinal)).Select(t => t.Value))}", cancellationToken);
            try
            {
                var code = await RunAsync();
                if (finished is { } summary)
                {
                    await notifier.FinishedAsync(summary.Path, summary.Table, cancellationToken);
                }

                return code;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                await notifier.FailedAsync(ex.Message, cancellationToken);
                throw;
            }

            async Task<int> RunAsync()
            {
                var elapsed = Stopwatch.StartNew();
                var (catalog, brought) = cards.Resolve(parse);
                var plan = RunPlan.Create(catalog, CardOptions.Datasets(parse.GetValue(datasets), brought), parse.GetValue(subsets));
                var roots = BuildDefaults.DataRoots(parse.GetValue(dataRoot));
                var folders = plan.Tasks.Select(t => t.Card).Distinct().ToDictionary(c => c.Name, roots.ResolveBenchmarkFolder);
                foreach (var (name, folder) in folders)
                {
                    output.WriteLine($"Data {name}: {folder}");
                }

                var runMode = parse.GetValue(mode);
                // Options a user writes by hand are checked before any model loads.
                var range = parse.GetValue(testRange) is { } rangeText ? PythonSlice.Parse(rangeText) : null;
                var postprocessorSpec = parse.GetValue(postprocessor) is { } spec ? PostprocessorSpec.Parse(spec) : null;
                _ = postprocessorSpec is null ? null : AnswerPostprocessors.Get(postprocessorSpec);
                var sampling = models.Sampling(parse);
                var batch = BatchSizeSetting.Parse(parse.GetValue(batchSize), "--batch-size");
                var several = models.Several(parse);
                if (several.Count > 0)
                {
                    models.CheckSeveral(parse);
                    if (runMode != RunMode.All || parse.GetValue(workers) > 1 || parse.GetValue(shard) is not null)
                    {
                        throw new ArgumentException("--models runs every model start to finish (ask and score) in one process: it does not combine with --mode, --max-num-workers or --shard.");
                    }
                }

                if (runMode == RunMode.Eval && parse.GetResult(reuse) is null)
                {
                    throw new ArgumentException("--mode eval scores the predictions of an earlier run: name it with --reuse [timestamp].");
                }

                var timestamp = parse.GetResult(reuse) is null ? null : RunOutputLayout.ResolveReuse(parse.GetValue(workDir)!, parse.GetValue(reuse));
                string? shardLabel = null;
                if (parse.GetValue(shard) is { } slice)
                {
                    var (index, count) = ParseShard(slice);
                    plan = plan.Shard(index, count, task => QuestionCount(task, folders[task.Card.Name], range, parse.GetValue(limit)));
                    shardLabel = $"{index}of{count}";
                    output.WriteLine($"Shard {index}/{count}: {plan.Tasks.Count} dataset(s): {string.Join(", ", plan.Tasks.Select(t => t.Abbr))}");
                }

                if (parse.GetValue(workers) > 1 && runMode != RunMode.Eval && !parse.GetValue(debug) && !parse.GetValue(dryRun))
                {
                    // Each worker is this command on one shard (infer only) in one run folder; then this process scores it all.
                    timestamp ??= RunOutputLayout.NewTimestamp(TimeProvider.System);
                    var exit = await RunWorkers.RunAsync(parse, parse.GetValue(workers), new RunOutputLayout(parse.GetValue(workDir)!, timestamp), output, cancellationToken);
                    if (exit != 0)
                    {
                        return exit;
                    }

                    runMode = RunMode.Eval;
                }
                if (timestamp is not null)
                {
                    output.WriteLine(runMode == RunMode.Eval
                        ? $"Scoring the predictions of run {timestamp} (no model is loaded)."
                        : $"Reusing run {timestamp}: answers in its checkpoint are not asked again.");
                }

                var needsLogLikelihood = plan.Tasks.Any(t => t.Config.Mode == EvalMode.Ppl);
                // A judge is loaded only when this run judges answers; OpenCompass's OC_JUDGE_* variables stand in for the options.
                var judging = runMode != RunMode.Infer && plan.Tasks.Any(t => t.Config.Judge is not null);
                await using var judge = !judging ? null
                    : judges.IsGiven(parse) ? await judges.CreateAsync(parse, null, needsLogLikelihood: false, output, cancellationToken)
                    : await ModelOptions.JudgeFromEnvironmentAsync(output, cancellationToken);

                var settings = new RunSettings
                {
                    Baseline = parse.GetValue(baseline),
                    JudgeMaxOutLen = parse.GetValue(judgeMaxOutLen),
                    Timestamp = timestamp,
                    Mode = runMode,
                    Postprocessor = postprocessorSpec,
                    WorkDir = parse.GetValue(workDir)!,
                    BatchSize = batch.Size,
                    AutoBatchSize = batch.Auto,
                    BatchTokens = parse.GetValue(batchTokens),
                    MaxOutLen = parse.GetValue(maxOutLen),
                    MaxSeqLen = parse.GetValue(maxSeqLen),
                    Limit = parse.GetValue(limit),
                    TestRange = range,
                    Sampling = sampling,
                    Shard = shardLabel,
                };
                if (parse.GetValue(dryRun))
                {
                    await using var planned = await models.CreateAsync(parse, parse.GetValue(maxSeqLen), needsLogLikelihood, output, cancellationToken, several.Count > 0 ? several[0] : null);
                    return DryRun.Print(output, new EvaluationRunner(planned, settings).DescribeWork(plan, card => folders[card.Name]), several.Count > 0 ? several.Count : 1);
                }

                if (several.Count > 0)
                {
                    var load = (ModelEntry entry) => models.CreateAsync(parse, parse.GetValue(maxSeqLen), needsLogLikelihood, output, cancellationToken, entry);
                    var (severalCode, summaryPath, table) = await SeveralModelsRun.RunAsync(several, load, plan, card => folders[card.Name], settings, judge, GroupOf(plan), output, cancellationToken);
                    finished = (summaryPath, table);
                    return severalCode;
                }

                await using var languageModel = runMode == RunMode.Eval
                    ? RecordedModel.FromRun(new RunOutputLayout(parse.GetValue(workDir)!, timestamp!), parse.GetValue(models.Abbr))
                    : await models.CreateAsync(parse, parse.GetValue(maxSeqLen), needsLogLikelihood, output, cancellationToken);

                var groupOf = GroupOf(plan);
                RunResult result;
                if (ReferenceEquals(output, Console.Out) && AnsiConsole.Profile.Capabilities.Interactive)
                {
                    RunResult? finished = null;
                    await SpectreRunProgress.Create(AnsiConsole.Console).StartAsync(async context =>
                    {
                        var runner = new EvaluationRunner(languageModel, settings, new SpectreRunProgress(context, groupOf), judge: judge);
                        finished = await runner.RunAsync(plan, card => folders[card.Name], cancellationToken);
                    });
                    result = finished!;
                }
                else
                {
                    var runner = new EvaluationRunner(languageModel, settings, new ConsoleRunProgress(output, groupOf, TimeSpan.FromSeconds(5)), judge: judge);
                    result = await runner.RunAsync(plan, card => folders[card.Name], cancellationToken);
                }

                var code = RunReport.Write(output, result, elapsed.Elapsed, (languageModel as IReportsUsage)?.Usage, runMode);
                if (runMode != RunMode.Infer && shardLabel is null)
                {
                    await ReportCommand.WriteForRunAsync(result.Layout, result.SummaryTimestamp, output, cancellationToken);
                    finished = (Path.GetFullPath(result.Layout.SummaryFile(result.SummaryTimestamp, "txt")), result.Summary.ToText());
                }

                if (languageModel is IReportsWork { Work: { PositionsRun: > 0 } work })
                {
                    output.WriteLine($"Work: {work}.");
                }

                if (judge is IReportsUsage { Usage: { } judgeUsage })
                {
                    output.WriteLine($"Judge API usage: {judgeUsage}");
                }

                return code;
            }
        });
        return command;
    }

    private static (int Index, int Count) ParseShard(string text)
    {
        var parts = text.Split('/');
        return parts.Length == 2 && int.TryParse(parts[0], CultureInfo.InvariantCulture, out var index) && int.TryParse(parts[1], CultureInfo.InvariantCulture, out var count) && count >= 1 && index >= 1 && index <= count
            ? (index, count)
            : throw new ArgumentException($"--shard '{text}' is not i/n with 1 <= i <= n (e.g. 2/4).");
    }

    private static int QuestionCount(EvaluationTask task, string folder, PythonSlice? range, int? limit)
    {
        var count = DatasetLoader.Load(task.Card, folder, task.Card.Splits.Eval, task.Subset.Name).Count;
        count = range?.Indices(count).Count() ?? count;
        return limit is { } n ? Math.Min(n, count) : count;
    }

    internal static Func<string, string> GroupOf(RunPlan plan)
    {
        var byAbbr = plan.Tasks.ToDictionary(t => t.Abbr, t => t.Config.Aliases.Count > 0 ? t.Config.Aliases[0] : t.Config.Name, StringComparer.Ordinal);
        return abbr => byAbbr[abbr];
    }
}
