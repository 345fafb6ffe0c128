using System.Text.RegularExpressions;
using EvalTests.TestSupport;

namespace EvalTests.Cli.Tests;

/// <summary>`evaltests summarize`: a run's summary rewritten from its results, with groups of one's own.</summary>
public sealed class SummarizeCommandTests : IDisposable
{
    private readonly TempDirectory _work = new();

    public void Dispose() => _work.Dispose();

    [Fact]
    public async Task Summarize_GivesTheRunsOwnTable_AndAddsGroupsFromAFile()
    {
        var runOutput = await CliRunner.RunOkAsync("run", "--model", SharedData.Model("stories260K"), "--max-out-len", "8", "--datasets", "ceval_gen",
            "--limit", "2", "--data-root", SharedData.Datasets, "-w", _work.Path);
        var run = Assert.Single(Directory.GetDirectories(_work.Path));
        var groups = _work.Write("groups.json", """
            [ { "name": "law-only", "subsets": ["ceval-law", "ceval-logic"], "weights": { "ceval-law": 1, "ceval-logic": 0 } },
              { "name": "law-sum", "subsets": ["ceval-law"], "sum": true } ]
            """);

        var same = await CliRunner.RunOkAsync("summarize", run);
        var custom = await CliRunner.RunOkAsync("summarize", run, "--groups", groups);

        Assert.Equal(CliRunner.SummaryTable(runOutput), CliRunner.SummaryTable(same));
        var law = Regex.Match(custom, @"\nceval-law\s+\S+\s+accuracy\s+gen\s+(\d+\.\d\d)").Groups[1].Value;
        Assert.Matches($@"\nlaw-only\s+-\s+weighted_average\s+gen\s+{Regex.Escape(law)}\b", custom); // weight 0 for logic: law's score
        Assert.Matches($@"\nlaw-sum\s+-\s+sum\s+gen\s+{Regex.Escape(law)}\b", custom);
        var written = Regex.Match(custom, @"Summary: (.+\.txt)").Groups[1].Value;
        Assert.Contains("law-only", File.ReadAllText(written), StringComparison.Ordinal); // the rewritten summary file, in the run folder
        Assert.StartsWith(Path.Combine(run, "summary"), written, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Summarize_WithABadGroupsFileOrModel_SaysWhatIsWrong()
    {
        await CliRunner.RunOkAsync("run", "--model", SharedData.Model("stories260K"), "--max-out-len", "8", "--datasets", "ceval_gen",
            "--subsets", "law", "--limit", "1", "--data-root", SharedData.Datasets, "-w", _work.Path);
        var run = Assert.Single(Directory.GetDirectories(_work.Path));
        var groups = _work.Write("groups.json", """[ { "name": "x", "subsets": ["ceval-law"], "sum": "yes" } ]""");

        var (badGroups, _, groupsError) = await CliRunner.RunAsync("summarize", run, "--groups", groups);
        var (badModel, _, modelError) = await CliRunner.RunAsync("summarize", run, "--models", "llama");

        Assert.Equal(1, badGroups);
        Assert.Contains("groups.json: $[0].sum: expected true or false.", groupsError, StringComparison.Ordinal);
        Assert.Equal(1, badModel);
        Assert.Contains("no results for model 'llama' (models with results: stories260K)", modelError, StringComparison.Ordinal);
    }
}
