using System.Text.RegularExpressions;
using EvalTests.TestSupport;

namespace EvalTests.Cli.Tests;

/// <summary>`run --dry-run` prints the plan and asks nothing; `--debug` shows whole traces.</summary>
public sealed class DryRunAndDebugTests : IDisposable
{
    private readonly TempDirectory _work = new();

    public void Dispose() => _work.Dispose();

    [Fact]
    public async Task DryRun_PrintsQuestionsCallsAndTokens_AndWritesNoRun()
    {
        var output = await CliRunner.RunOkAsync("run", "--model", SharedData.Model("stories260K"), "--datasets", "ceval_ppl", "ceval_gen", "--subsets", "law", "logic",
            "--limit", "2", "--data-root", SharedData.Datasets, "-w", _work.Path, "--dry-run");

        // ppl asks once per option (A–D), gen once per question.
        Assert.Matches(@"ceval_ppl-law\s+ppl\s+2\s+8\s+\d+\s+\d+", output);
        Assert.Matches(@"ceval_gen-logic\s+gen\s+2\s+2\s+\d+\s+\d+", output);
        Assert.Matches(@"Plan: 4 dataset\(s\), 8 questions, 20 model calls in the naive plan, \d+ prompt tokens\.", output);
        Assert.Contains("Nothing was run (--dry-run).", output, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(_work.Path));
    }

    [Fact]
    public async Task Debug_ShowsTheWholeTrace_WhereAPlainRunShowsOneLine()
    {
        string[] run = ["run", "--model", SharedData.Model("stories260K"), "--datasets", "ceval_gen", "--subsets", "law", "--data-root", _work.Combine("missing"), "-w", _work.Path];

        var (plainExit, _, plain) = await CliRunner.RunAsync(run);
        var (debugExit, _, debug) = await CliRunner.RunAsync([.. run, "--debug"]);

        Assert.Equal(1, plainExit);
        Assert.Equal(1, debugExit);
        Assert.DoesNotMatch(@"\n\s+at EvalTests\.", plain);
        Assert.Matches(@"\n\s+at EvalTests\.", debug);
    }
}
