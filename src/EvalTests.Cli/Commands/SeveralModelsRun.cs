using System.Diagnostics;
using System.Globalization;
using EvalTests.Cli.Rendering;
using EvalTests.Datasets;
using EvalTests.Models;
using EvalTests.Runs;
using EvalTests.Runs.RunFolder;

namespace EvalTests.Cli.Commands;

/// <summary>
/// <c>evaltests run --models a b …</c>: every model on the same plan, one loaded at a time, into one run folder (a
/// predictions and results folder per model), then one summary with a column per model — OpenCompass's
/// <c>run.py --models a b</c>.
/// </summary>
internal static class SeveralModelsRun
{
    /// <returns>The exit code, and the summary file and table of all the models.</returns>
    public static async Task<(int Code, string SummaryPath, string Table)> RunAsync(IReadOnlyList<string> names, Func<string, Task<ILanguageModel>> load, RunPlan plan, Func<DatasetCard, string> locateBenchmark,
        RunSettings settings, ILanguageModel? judge, Func<string, string> groupOf, TextWriter output, CancellationToken cancellationToken)
    {
        var elapsed = Stopwatch.StartNew();
        var timestamp = settings.Timestamp;
        var abbrs = new List<string>();
        RunResult? last = null;
        var failed = new List<string>();
        foreach (var name in names)
        {
            RunResult result;
            await using (var model = await load(name))
            {
                if (abbrs.Contains(model.Descriptor.Abbr))
                {
                    throw new ArgumentException($"--models names {model.Descriptor.Abbr} twice; each model is one column of the summary.");
                }

                // Every model after the first continues the same run folder; the summary of all of them is written once, at the end.
                var runner = new EvaluationRunner(model, settings with { Timestamp = timestamp, WriteSummaryFiles = false },
                    new ConsoleRunProgress(output, groupOf, TimeSpan.FromSeconds(5)), judge: judge);
                result = await runner.RunAsync(plan, locateBenchmark, cancellationToken);
                abbrs.Add(model.Descriptor.Abbr);
            }

            timestamp = result.Layout.Timestamp;
            last = result;
            var scores = result.Tasks.Select(t => t.Score.Score).ToList();
            var (total, errored) = (scores.Sum(s => s.Total), scores.Sum(s => s.Errored));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Model {abbrs[^1]}: {total} questions, {scores.Sum(s => s.Correct)} correct, {scores.Sum(s => s.Unparsed)} unparsed, {errored} errored; {elapsed.Elapsed.TotalSeconds:F1} s so far."));
            if (total > 0 && errored == total)
            {
                failed.Add(abbrs[^1]);
            }
        }

        var run = FinishedRun.Read(last!.Layout.RunFolder);
        var summary = run.Summarize(abbrs, plan.Groups);
        var summaryTimestamp = RunOutputLayout.NewTimestamp(TimeProvider.System);
        await run.WriteSummaryAsync(summary, summaryTimestamp, cancellationToken);
        output.WriteLine();
        output.WriteLine(summary.ToText());
        output.WriteLine();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{abbrs.Count} models; wall time {elapsed.Elapsed.TotalSeconds:F1} s."));
        output.WriteLine($"Outputs: {Path.GetFullPath(run.Layout.RunFolder)}");
        output.WriteLine($"Summary: {Path.GetFullPath(run.Layout.SummaryFile(summaryTimestamp, "txt"))}");
        await ReportCommand.WriteForRunAsync(run.Layout, summaryTimestamp, output, cancellationToken);
        var path = Path.GetFullPath(run.Layout.SummaryFile(summaryTimestamp, "txt"));
        if (failed.Count > 0)
        {
            output.WriteLine($"Every request failed for {string.Join(", ", failed)}.");
            return (1, path, summary.ToText());
        }

        return (0, path, summary.ToText());
    }
}
