using System.CommandLine;
using EvalTests.Reporting;
using EvalTests.Runs;
using EvalTests.Runs.RunFolder;

namespace EvalTests.Cli.Commands;

/// <summary>
/// <c>evaltests summarize</c>: rewrites a finished run's summary from its results files, re-scoring nothing (OpenCompass's
/// summarizer): other model columns, or groups of your own from a file.
/// </summary>
internal static class SummarizeCommand
{
    public static Command Create(TextWriter output)
    {
        var run = new Argument<string>("run") { Description = "The run folder (<work-dir>/<timestamp>)." };
        var models = new Option<string[]>("--models") { Description = "The model columns, in order (default: every model with results).", AllowMultipleArgumentsPerToken = true };
        var groups = new Option<string?>("--groups") { Description = "A JSON file of summary groups in OpenCompass's form ([{\"name\", \"subsets\", \"weights\"|\"sum\"|\"harmonic_mean\"|\"std\"}]); added after the run's own, replacing any of the same name." };
        var command = new Command("summarize", "Rewrite a run's summary from its results (no model, no re-scoring), with other model columns or groups of your own.")
        {
            run, models, groups,
        };

        command.SetAction(async (parse, cancellationToken) =>
        {
            var finished = FinishedRun.Read(parse.GetValue(run)!);
            var columns = parse.GetValue(models) is { Length: > 0 } chosen ? chosen : [.. finished.Models];
            var extra = parse.GetValue(groups) is { } path ? SummaryGroupsJson.Parse(await File.ReadAllTextAsync(path, cancellationToken), path) : [];
            var allGroups = finished.Groups.Where(g => extra.All(e => e.Name != g.Name)).Concat(extra).ToList();
            var summary = finished.Summarize(columns, allGroups);
            var timestamp = RunOutputLayout.NewTimestamp(TimeProvider.System);
            await finished.WriteSummaryAsync(summary, timestamp, cancellationToken);
            output.WriteLine(summary.ToText());
            output.WriteLine();
            output.WriteLine($"Summary: {finished.Layout.SummaryFile(timestamp, "txt")}");
            return 0;
        });
        return command;
    }
}
