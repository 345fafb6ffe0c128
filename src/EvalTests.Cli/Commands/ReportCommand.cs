using System.CommandLine;
using EvalTests.Reports;
using EvalTests.Runs;
using EvalTests.Runs.RunFolder;

namespace EvalTests.Cli.Commands;

/// <summary><c>evaltests report</c>: the self-contained HTML report of a finished run (also written at the end of every run).</summary>
internal static class ReportCommand
{
    public static Command Create(TextWriter output)
    {
        var run = new Argument<string>("run") { Description = "The run folder (<work-dir>/<timestamp>)." };
        var file = new Option<string?>("--output", "-o") { Description = "The HTML file to write (default: summary/report_<timestamp>.html in the run folder)." };
        var models = new Option<string[]>("--models") { Description = "The models to show, in order; the first two are compared (default: every model with results).", AllowMultipleArgumentsPerToken = true };
        var command = new Command("report", "Write the HTML report of a run: summary, charts per category and model, the paired comparison, every question.")
        {
            run, file, models,
        };

        command.SetAction(async (parse, cancellationToken) =>
        {
            var finished = FinishedRun.Read(parse.GetValue(run)!);
            var path = parse.GetValue(file) ?? finished.Layout.ReportFile(RunOutputLayout.NewTimestamp(TimeProvider.System));
            output.WriteLine($"Report: {await HtmlReport.WriteAsync(finished, path, parse.GetValue(models), cancellationToken: cancellationToken)}");
            return 0;
        });
        return command;
    }

    /// <summary>The report a run writes beside its summary; a run that cannot be reported still succeeds, and says why.</summary>
    public static async Task WriteForRunAsync(RunOutputLayout layout, string summaryTimestamp, TextWriter output, CancellationToken cancellationToken)
    {
        try
        {
            var path = await HtmlReport.WriteAsync(FinishedRun.Read(layout.RunFolder), layout.ReportFile(summaryTimestamp), cancellationToken: cancellationToken);
            output.WriteLine($"Report: {path}");
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or DirectoryNotFoundException or DllNotFoundException or TypeInitializationException)
        {
            output.WriteLine($"No HTML report: {ex.Message}");
        }
    }
}
