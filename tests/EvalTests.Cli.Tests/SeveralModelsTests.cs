using EvalTests.TestSupport;

namespace EvalTests.Cli.Tests;

/// <summary>`run --models a b`: several models on one plan, one run folder, one summary column each.</summary>
public sealed class SeveralModelsTests : IDisposable
{
    private readonly TempDirectory _work = new();

    public void Dispose() => _work.Dispose();

    private static readonly string[] Plan =
        ["--datasets", "ceval_ppl", "--subsets", "computer_network", "law", "logic", "--limit", "2", "--data-root", SharedData.Datasets];

    /// <summary>Each summary row's cells: dataset, version, metric, mode, then one score per model.</summary>
    private static Dictionary<string, string[]> Rows(string output) =>
        CliRunner.SummaryTable(output).Split('\n').Skip(2)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .ToDictionary(cells => $"{cells[0]}|{cells[2]}");

    [Fact]
    public async Task TwoModelsInOneRun_GiveEachModelTheNumbersOfItsOwnRun()
    {
        var stories = SharedData.Model("stories260K");
        var llama = SharedData.Model("llama-6M-random");
        var first = Rows(await CliRunner.RunOkAsync(["run", "--model", stories, .. Plan, "-w", _work.Combine("first")]));
        var second = Rows(await CliRunner.RunOkAsync(["run", "--model", llama, .. Plan, "-w", _work.Combine("second")]));

        var output = await CliRunner.RunOkAsync(["run", "--models", stories, llama, .. Plan, "-w", _work.Combine("both")]);

        Assert.Matches(@"dataset\s+version\s+metric\s+mode\s+stories260K\s+llama-6M-random", CliRunner.SummaryTable(output));
        var both = Rows(output);
        Assert.Equal(first.Keys.Order(), both.Keys.Order());
        foreach (var (key, cells) in both)
        {
            Assert.Equal(first[key][4], cells[4]);
            Assert.Equal(second[key][4], cells[5]);
        }

        var run = Assert.Single(Directory.GetDirectories(_work.Combine("both")));
        Assert.Equal(["llama-6M-random", "stories260K"], Directory.GetDirectories(Path.Combine(run, "predictions")).Select(Path.GetFileName).Order());
        var config = File.ReadAllText(Assert.Single(Directory.GetFiles(Path.Combine(run, "configs"), "*.json")));
        Assert.Contains("\"abbr\": \"stories260K\"", config, StringComparison.Ordinal);
        Assert.Contains("\"abbr\": \"llama-6M-random\"", config, StringComparison.Ordinal);
        Assert.Single(Directory.GetFiles(Path.Combine(run, "summary"), "summary_*.txt")); // one summary, every model's column
    }

    [Fact]
    public async Task ApiModels_RunAtTheSameTime_IntoOneSummary()
    {
        await using var first = await ScriptedOpenAIServer.StartAsync((_, _) => ServerFault.None, answer: _ => "A");
        await using var second = await ScriptedOpenAIServer.StartAsync((_, _) => ServerFault.None, answer: _ => "B");

        var output = await CliRunner.RunOkAsync("run", "--models", $"first-model@{first.BaseUrl}", $"second-model@{second.BaseUrl}",
            "--datasets", "ceval_gen", "--subsets", "law", "--limit", "2", "--data-root", SharedData.Datasets, "-w", _work.Path,
            "--api-key-env", "none", "--no-cache", "--qps", "1");

        Assert.Matches(@"dataset\s+version\s+metric\s+mode\s+first-model\s+second-model", CliRunner.SummaryTable(output));
        var firstChats = first.Requests.Where(r => r.Path == "/v1/chat/completions").ToList();
        var secondChats = second.Requests.Where(r => r.Path == "/v1/chat/completions").ToList();
        Assert.Equal(2, firstChats.Count);
        Assert.Equal(2, secondChats.Count);
        // At one request a second each, side by side: the second server's first question comes before the first's last.
        Assert.True(secondChats[0].Timestamp < firstChats[^1].Timestamp && firstChats[0].Timestamp < secondChats[^1].Timestamp, "the two API models did not run at the same time");
    }

    [Fact]
    public async Task Models_WithABaseUrlOrAShard_IsRefusedNamingTheOption()
    {
        var (withApi, _, apiError) = await CliRunner.RunAsync(["run", "--models", "stories260K", "--base-url", "http://127.0.0.1:9/v1", .. Plan]);
        var (withShard, _, shardError) = await CliRunner.RunAsync(["run", "--models", "stories260K", "--shard", "1/2", .. Plan]);

        Assert.Equal(1, withApi);
        Assert.Contains("does not combine with --base-url", apiError, StringComparison.Ordinal);
        Assert.Equal(1, withShard);
        Assert.Contains("does not combine with --mode, --max-num-workers or --shard", shardError, StringComparison.Ordinal);
    }
}
