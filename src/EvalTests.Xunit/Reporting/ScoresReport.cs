using System.Text;
using EvalTests.Reports;
using EvalTests.Runs.RunFolder;
using EvalTests.Xunit.Runners;
using EvalTests.Xunit.Runners.Snapshots;
using Microsoft.Testing.Platform.Builder;
using Microsoft.Testing.Platform.Configurations;
using Microsoft.Testing.Platform.Extensions.Messages;
using Microsoft.Testing.Platform.Extensions.TestHost;
using Microsoft.Testing.Platform.Messages;
using Microsoft.Testing.Platform.Services;

namespace EvalTests.Xunit.Reporting;

/// <summary>
/// Registers the scores report with Microsoft.Testing.Platform; the package's MSBuild targets name this hook, so a
/// plain <c>dotnet test</c> ends with the scores table, and in GitHub Actions writes it to the job's summary.
/// </summary>
public static class TestingPlatformBuilderHook
{
    /// <summary>Called by the generated entry point of a test project under Microsoft.Testing.Platform.</summary>
    /// <param name="builder">The test application being built.</param>
    /// <param name="arguments">The command line (unused).</param>
    public static void AddExtensions(ITestApplicationBuilder builder, string[] arguments)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.TestHost.AddTestSessionLifetimeHandler(services => new ScoresReport(services.GetMessageBus(), services.GetConfiguration().GetTestResultDirectory()));
    }
}

/// <summary>
/// At the end of the test session, the table of what ran (<see cref="SessionReport"/>): on the console, and as Markdown
/// appended to <c>$GITHUB_STEP_SUMMARY</c> when GitHub Actions sets it.
/// </summary>
/// <remarks>
/// <c>dotnet test</c> under Microsoft.Testing.Platform (SDK 10.0.1xx–4xx) prints neither an extension's output device
/// messages nor a passed test's output; it prints failed and skipped results with their reasons. So the table is
/// reported as one result named "EvalTests scores" in the skipped state, which shows it on every console (and counts
/// as one skipped result). <c>EVALTESTS_CONSOLE_SCORES=0</c> turns it off.
/// </remarks>
internal sealed class ScoresReport(IMessageBus messageBus, string resultsDirectory) : ITestSessionLifetimeHandler, IDataProducer
{
    public const string ConsoleVariable = "EVALTESTS_CONSOLE_SCORES";

    public string Uid => nameof(ScoresReport);

    public string Version => "1.0.0";

    public string DisplayName => "EvalTests scores";

    public string Description => "Prints the scores table of the evaluated models at the end of the run and writes it to the GitHub Actions job summary.";

    public Type[] DataTypesProduced => [typeof(TestNodeUpdateMessage), typeof(SessionFileArtifact)];

    public Task<bool> IsEnabledAsync() => Task.FromResult(true);

    public Task OnTestSessionStartingAsync(ITestSessionContext testSessionContext) => Task.CompletedTask;

    public async Task OnTestSessionFinishingAsync(ITestSessionContext testSessionContext)
    {
        ArgumentNullException.ThrowIfNull(testSessionContext);
        if (SessionReport.IsEmpty)
        {
            return;
        }

        if (Environment.GetEnvironmentVariable(ConsoleVariable) is not ("0" or "false"))
        {
            var indented = string.Join('\n', SessionReport.ToText().Split('\n').Select(line => "  " + line));
            var node = new TestNode
            {
                Uid = new TestNodeUid("evaltests-scores"),
                DisplayName = "EvalTests scores",
                // TRX needs a class and method for every result; this one has none of its own.
                Properties = new PropertyBag(
                    new SkippedTestNodeStateProperty(indented.TrimStart()),
                    new TestMethodIdentifierProperty(typeof(ScoresReport).Assembly.FullName!, "EvalTests", "EvalTests", "scores", 0, [], "System.Void")),
            };
            await messageBus.PublishAsync(this, new TestNodeUpdateMessage(testSessionContext.SessionUid, node)).ConfigureAwait(false);
        }

        // Each evaluated model's HTML report, next to the TRX files, listed with the run's artifacts.
        foreach (var evaluation in EvaluationSession.All.Where(e => e.Result is not null))
        {
            string path;
            var model = evaluation.Descriptor!.Abbr;
            try
            {
                var run = FinishedRun.Read(evaluation.Result!.Layout.RunFolder);
                // The verified snapshots, when there are any, are the baseline the report compares the model with.
                var baseline = ScoreSnapshot.Baseline(EvaluationSession.Plan, evaluation) is { } verified ? new ReportBaseline($"snapshot {verified.Identity}", verified) : null;
                path = await HtmlReport.WriteAsync(run, Path.Combine(resultsDirectory, $"evaltests-{model}-{run.Layout.Timestamp}.html"), [model], baseline, testSessionContext.CancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is InvalidDataException or IOException or UnauthorizedAccessException)
            {
                // The scores stand without their report; the run's own files say more.
                continue;
            }

            await messageBus.PublishAsync(this, new SessionFileArtifact(testSessionContext.SessionUid, new FileInfo(path), $"EvalTests report ({model})", "The run's summary, charts and every question, in one HTML file.")).ConfigureAwait(false);
        }

        if (Environment.GetEnvironmentVariable("GITHUB_STEP_SUMMARY") is { Length: > 0 } stepSummary)
        {
            var markdown = new StringBuilder("## EvalTests scores\n\n").Append(SessionReport.ToMarkdown()).Append('\n');
            await File.AppendAllTextAsync(stepSummary, markdown.ToString(), testSessionContext.CancellationToken).ConfigureAwait(false);
        }
    }
}
