using System.Text.Json.Nodes;
using EvalTests.TestSupport;

namespace EvalTests.Cli.Tests;

/// <summary><c>run --judge-…</c>: a judge model scores the answers of judged datasets.</summary>
public sealed class JudgeCommandTests : IDisposable
{
    private readonly TempDirectory _work = new();

    public void Dispose() => _work.Dispose();

    [Fact]
    public async Task RunWithAJudgeAPI_ScoresGSM8KByItsVerdictsAndReportsWhatTheJudgeSpent()
    {
        await using var judge = await ScriptedOpenAIServer.StartAsync((_, _) => ServerFault.None, answer: _ => "A");

        var (exit, output, error) = await CliRunner.RunAsync(
            "run", "--model", SharedData.Model("stories260K"), "--datasets", "gsm8k_llmjudge", "--limit", "3", "--max-out-len", "8",
            "--judge-base-url", judge.BaseUrl.ToString(), "--judge-api-key-env", "none", "--judge-qps", "100", "--judge-no-cache",
            "--data-root", SharedData.Datasets, "-w", _work.Combine("outputs"));

        Assert.True(exit == 0, error + output);
        Assert.Contains("Judge scripted-model (openai:scripted-model)", output, StringComparison.Ordinal);
        Assert.Matches(@"gsm8k-llmjudge\s+[0-9a-f]{6}\s+accuracy\s+gen\s+100\.00", output);
        Assert.Contains("Judge API usage: requests ", output, StringComparison.Ordinal);
        var run = Directory.GetDirectories(_work.Combine("outputs")).Single();
        var outputs = JsonNode.Parse(File.ReadAllText(Path.Combine(run, "results", "stories260K", "gsm8k-llmjudge_replica0.json")))!;
        Assert.Equal("A", (string)outputs["2"]!["prediction"]!);
    }

    [Fact]
    public async Task RunOfAJudgedDatasetWithoutAJudge_SaysHowToNameOneAndAsksNothing()
    {
        var (exit, output, error) = await CliRunner.RunAsync(
            "run", "--model", SharedData.Model("stories260K"), "--datasets", "gsm8k_llmjudge", "--limit", "1", "--data-root", SharedData.Datasets, "-w", _work.Combine("outputs"));

        Assert.Equal(1, exit);
        Assert.Contains("gsm8k_llmjudge_gen is judged by a model, and no judge was given: name one with --judge-model or --judge-base-url", error, StringComparison.Ordinal);
        Assert.DoesNotContain("Evaluating", output, StringComparison.Ordinal);
    }
}
