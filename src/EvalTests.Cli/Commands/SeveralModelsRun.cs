using System.Diagnostics;
using System.Globalization;
using EvalTests.Cli.Rendering;
using EvalTests.Datasets;
using EvalTests.Models;
using EvalTests.Runs;
using EvalTests.Runs.RunFolder;

namespace EvalTests.Cli.Commands;

/// <summary>
/// <c>evaltests run --models a b …</c>: every model on the same plan into one run folder (a predictions and results
/// folder per model), then one summary with a column per model — OpenCompass's <c>run.py --models a b</c>. Local models
/// are loaded one at a time; API models (<c>model@base-url</c>) run at the same time, each within its own limits.
/// </summary>
internal static class SeveralModelsRun
{
    /// <returns>The exit code, and the summary file and table of all the models.</returns>
    public static async Task<(int Code, string SummaryPath, string Table)> RunAsync(IReadOnlyList<ModelEntry> entries, Func<ModelEntry, Task<ILanguageModel>> load, RunPlan plan,
        Func<DatasetCard, string> locateBenchmark, RunSettings settings, ILanguageModel? judge, Func<string, string> groupOf, TextWriter output, CancellationToken cancellationToken)
    {
        var elapsed = Stopwatch.StartNew();
        // One run folder for all: chosen up front, since API models start together.
        var shared = settings with { Timestamp = settings.Timestamp ?? RunOutputLayout.NewTimestamp(TimeProvider.System), WriteSummaryFiles = false };
        var finished = new (string Abbr, RunResult Result)?[entries.Count];
        var writer = TextWriter.Synchronized(output);

        async Task RunOneAsync(int index)
        {
            await using var model = await load(entries[index]);
            var result = await new EvaluationRunner(model, shared, new ConsoleRunProgress(writer, groupOf, TimeSpan.FromSeconds(5)), judge: judge)
                .RunAsync(plan, locateBenchmark, cancellationToken);
            finished[index] = (model.Descriptor.Abbr, result);
            var scores = result.Tasks.Select(t => t.Score.Score).ToList();
            writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Model {model.Descriptor.Abbr}: {scores.Sum(s => s.Total)} questions, {scores.Sum(s => s.Correct)} correct, {scores.Sum(s => s.Unparsed)} unparsed, {scores.Sum(s => s.Errored)} errored; {elapsed.Elapsed.TotalSeconds:F1} s so far."));
        }

        for (var i = 0; i < entries.Count; i++)
        {
            if (!entries[i].IsApi)
            {
                await RunOneAsync(i);
            }
        }

        await Task.WhenAll(Enumerable.Range(0, entries.Count).Where(i => entries[i].IsApi).Select(RunOneAsync));

        var abbrs = finished.Select(f => f!.Value.Abbr).ToList();
        if (abbrs.GroupBy(a => a, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw new ArgumentException($"--models names {twice.Key} twice; each model is one column of the summary.");
        }

        var failed = finished.Where(f => f!.Value.Result.Tasks.Sum(t => t.Score.Score.Total) is > 0 and var total
            && f.Value.Result.Tasks.Sum(t => t.Score.Score.Errored) == total).Select(f => f!.Value.Abbr).ToList();
        var run = FinishedRun.Read(finished[0]!.Value.Result.Layout.RunFolder);
        var summary = run.Summarize(abbrs, plan.Groups);
        var summaryTimestamp = RunOutputLayout.NewTimestamp(TimeProvider.System);
        await run.WriteSummaryAsync(summary, summaryTimestamp, cancellationToken);
        output.WriteLine();
        output.WriteLine(summary.ToText());
        output.WriteLine();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{abbrs.Count} models; wall time {elapsed.Elapsed.TotalSeconds:F1} s."));
        output.WriteLine($"Outputs: {Path.GetFullPath(run.Layout.RunFolder)}");
        var path = Path.GetFullPath(run.Layout.SummaryFile(summaryTimestamp, "txt"));
        output.WriteLine($"Summary: {path}");
        await ReportCommand.WriteForRunAsync(run.Layout, summaryTimestamp, output, cancellationToken);
        if (failed.Count > 0)
        {
            output.WriteLine($"Every request failed for {string.Join(", ", failed)}.");
            return (1, path, summary.ToText());
        }

        return (0, path, summary.ToText());
    }
}
