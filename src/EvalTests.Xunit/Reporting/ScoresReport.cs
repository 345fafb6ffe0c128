using System.Text;
using EvalTests.Xunit.Runners;
using Microsoft.Testing.Platform.Builder;
using Microsoft.Testing.Platform.Extensions.TestHost;
using Microsoft.Testing.Platform.Services;

namespace EvalTests.Xunit.Reporting;

/// <summary>
/// Registers the scores report with Microsoft.Testing.Platform; the package's MSBuild targets name this hook, so a
/// <c>dotnet test</c> in GitHub Actions writes the scores to the job's summary without extra flags.
/// </summary>
public static class TestingPlatformBuilderHook
{
    /// <summary>Called by the generated entry point of a test project under Microsoft.Testing.Platform.</summary>
    /// <param name="builder">The test application being built.</param>
    /// <param name="arguments">The command line (unused).</param>
    public static void AddExtensions(ITestApplicationBuilder builder, string[] arguments)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.TestHost.AddTestSessionLifetimeHandler(_ => new ScoresReport());
    }
}

/// <summary>
/// At the end of the test session, OpenCompass's summary table of every model evaluated, as Markdown, appended to
/// <c>$GITHUB_STEP_SUMMARY</c> when GitHub Actions sets it. (The console shows each case's RESULT line with
/// <c>--output Detailed</c>; <c>dotnet test</c> under Microsoft.Testing.Platform does not forward an extension's own
/// console output, so the table is not printed there — measured with SDK 10.0.100.)
/// </summary>
internal sealed class ScoresReport : ITestSessionLifetimeHandler
{
    public string Uid => nameof(ScoresReport);

    public string Version => "1.0.0";

    public string DisplayName => "EvalTests scores";

    public string Description => "Writes OpenCompass's summary table of the evaluated models to the GitHub Actions job summary.";

    public Task<bool> IsEnabledAsync() => Task.FromResult(!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("GITHUB_STEP_SUMMARY")));

    public Task OnTestSessionStartingAsync(ITestSessionContext testSessionContext) => Task.CompletedTask;

    public async Task OnTestSessionFinishingAsync(ITestSessionContext testSessionContext)
    {
        ArgumentNullException.ThrowIfNull(testSessionContext);
        var evaluations = EvaluationSession.All.Where(e => e.Result is not null).ToList();
        if (evaluations.Count == 0 || Environment.GetEnvironmentVariable("GITHUB_STEP_SUMMARY") is not { Length: > 0 } stepSummary)
        {
            return;
        }

        var markdown = new StringBuilder("## EvalTests scores\n\n");
        foreach (var evaluation in evaluations)
        {
            markdown.Append(evaluation.Result!.Summary.ToMarkdown()).Append("\n\n");
        }

        await File.AppendAllTextAsync(stepSummary, markdown.ToString(), testSessionContext.CancellationToken).ConfigureAwait(false);
    }
}
