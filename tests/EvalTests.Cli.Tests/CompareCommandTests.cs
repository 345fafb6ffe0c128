using System.Text.RegularExpressions;
using EvalTests.TestSupport;

namespace EvalTests.Cli.Tests;

/// <summary>`evaltests compare`: two runs per subset and group on the same questions, exit 1 on a significant drop.</summary>
public sealed class CompareCommandTests : IDisposable
{
    private readonly TempDirectory _work = new();

    public void Dispose() => _work.Dispose();

    /// <summary>A run of stories260K on C-Eval, 2 questions per subject (every subject, so that the groups have a score); the run folder.</summary>
    private async Task<string> RunAsync(string name)
    {
        await CliRunner.RunOkAsync("run", "--model", SharedData.Model("stories260K"), "--max-out-len", "8", "--datasets", "ceval_gen",
            "--limit", "2", "--data-root", SharedData.Datasets, "-w", _work.Combine(name));
        return Assert.Single(Directory.GetDirectories(_work.Combine(name)));
    }

    /// <summary>Rewrites a run's per-question outcomes, as if another model version had answered.</summary>
    private static void Answered(string run, string outcome)
    {
        foreach (var file in Directory.GetFiles(Path.Combine(run, "results", "stories260K"), "*.json"))
        {
            File.WriteAllText(file, Regex.Replace(File.ReadAllText(file), "\"outcome\": \"[a-z]+\"", $"\"outcome\": \"{outcome}\""));
        }
    }

    [Fact]
    public async Task TheSameModelTwice_IsTheSameEverywhere_AndExitsZero()
    {
        var first = await RunAsync("first");
        var second = await RunAsync("second");

        var (exit, output, error) = await CliRunner.RunAsync("compare", first, second);

        Assert.True(exit == 0, error + output);
        Assert.Matches(@"ceval-law\s+\d+\.\d\d\s+\d+\.\d\d\s+0\.00\s+1\.0000\s+mcnemar\s+2\s+same", output);
        Assert.Matches(@"\nceval\s+\d+\.\d\d\s+\d+\.\d\d\s+0\.00\s+1\.0000\s+bootstrap\s+104\s+same", output);
        Assert.Contains("No significant drop beyond 0 points; 0 significant gain(s).", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ABaselineThatAnsweredEverything_MakesASignificantGroupDrop_AndExitsOne()
    {
        var baseline = await RunAsync("baseline");
        var candidate = await RunAsync("candidate");
        Answered(baseline, "correct");

        var (exit, output, _) = await CliRunner.RunAsync("compare", baseline, candidate, "--format", "markdown");

        Assert.Equal(1, exit);
        Assert.Matches(@"\| ceval \| \d+\.\d\d \| \d+\.\d\d \| -\d+\.\d\d \| 0\.0000 \| bootstrap \| 104 \| REGRESSION \|", output);
        Assert.Matches(@"significant drop\(s\) beyond 0 points: .*ceval\b", output);

        // Allowed to drop by 100 points, the same comparison passes.
        var (allowed, _, _) = await CliRunner.RunAsync("compare", baseline, candidate, "--max-drop", "100");
        Assert.Equal(0, allowed);
    }

    [Fact]
    public async Task TwoModelsOfOneRun_AreNamedWithModels_AndAMissingOneIsNamed()
    {
        var run = await RunAsync("run");
        CopyFolder(Path.Combine(run, "results", "stories260K"), Path.Combine(run, "results", "stories260K-v2"));
        Answered(run, "wrong"); // stories260K now answered nothing right; stories260K-v2 keeps this run's answers

        var (exit, output, error) = await CliRunner.RunAsync("compare", run, "--models", "stories260K", "stories260K-v2", "--format", "csv");
        var (missing, _, missingError) = await CliRunner.RunAsync("compare", run, "--models", "stories260K", "llama");
        var (ambiguous, _, ambiguousError) = await CliRunner.RunAsync("compare", run);

        Assert.True(exit == 0, error + output);
        Assert.Matches(@"ceval,\d+\.\d\d,\d+\.\d\d,\+?\d+\.\d\d,[01]\.\d{4},bootstrap,104,", output);
        Assert.Equal(1, missing);
        Assert.Contains("no results for model 'llama' (models with results: stories260K, stories260K-v2)", missingError, StringComparison.Ordinal);
        Assert.Equal(1, ambiguous);
        Assert.Contains("needs --models <baseline> <candidate>", ambiguousError, StringComparison.Ordinal);
    }

    private static void CopyFolder(string source, string target)
    {
        Directory.CreateDirectory(target);
        foreach (var file in Directory.GetFiles(source))
        {
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
        }
    }
}
