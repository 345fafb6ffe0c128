using EvalTests.TestSupport;

namespace EvalTests.Cli.Tests;

/// <summary>Shards on several machines, merged, and worker processes on one give the summary of a single run.</summary>
public sealed class ShardTests : IDisposable
{
    private readonly TempDirectory _work = new();

    public void Dispose() => _work.Dispose();

    private static readonly string[] Common =
    [
        "--datasets", "ceval_gen", "ceval_ppl", "--subsets", "computer_network", "law", "middle_school_geography", "high_school_physics",
        "--limit", "5", "--data-root", SharedData.Datasets,
    ];

    private static string[] Run(string workDir, params string[] more) =>
        ["run", "--model", SharedData.Model("stories260K"), "--max-out-len", "8", .. Common, "-w", workDir, .. more];

    [Fact]
    public async Task TwoShardsMerged_GiveTheSummaryAndPredictionsOfOneRun()
    {
        var single = await CliRunner.RunOkAsync(Run(_work.Combine("single")));
        var (firstExit, first, firstError) = await CliRunner.RunAsync(Run(_work.Combine("machine1"), "--shard", "1/2"));
        var (secondExit, second, secondError) = await CliRunner.RunAsync(Run(_work.Combine("machine2"), "--shard", "2/2"));
        Assert.True(firstExit == 0 && secondExit == 0, firstError + secondError);
        Assert.Contains("Shard 1/2: 4 dataset(s)", first, StringComparison.Ordinal);
        Assert.Contains("Shard 2/2: 4 dataset(s)", second, StringComparison.Ordinal);

        var runs = new[] { "machine1", "machine2" }.Select(m => Assert.Single(Directory.GetDirectories(_work.Combine(m)))).ToArray();
        var (exit, merged, error) = await CliRunner.RunAsync(["merge", "--runs", .. runs, .. Common, "-w", _work.Combine("merged")]);

        Assert.True(exit == 0, error + merged);
        Assert.Equal(CliRunner.SummaryTable(single), CliRunner.SummaryTable(merged));
        var singleRun = Assert.Single(Directory.GetDirectories(_work.Combine("single")));
        var mergedRun = Assert.Single(Directory.GetDirectories(_work.Combine("merged")));
        var predictions = Directory.GetFiles(Path.Combine(singleRun, "predictions", "stories260K")).Select(Path.GetFileName).Order().ToList();
        Assert.Equal(8, predictions.Count);
        Assert.Equal(predictions, Directory.GetFiles(Path.Combine(mergedRun, "predictions", "stories260K")).Select(Path.GetFileName).Order());
        foreach (var file in predictions)
        {
            Assert.Equal(File.ReadAllText(Path.Combine(singleRun, "results", "stories260K", file!)), File.ReadAllText(Path.Combine(mergedRun, "results", "stories260K", file!)));
        }
    }

    [Fact]
    public async Task WorkerProcesses_ShareOneRunFolderAndSummarizeItAsOneRun()
    {
        var single = await CliRunner.RunOkAsync(Run(_work.Combine("single")));

        var (exit, output, error) = await CliRunner.RunAsync(Run(_work.Combine("workers"), "--max-num-workers", "2"));

        Assert.True(exit == 0, error + output);
        Assert.Contains("worker 1/2 done", output, StringComparison.Ordinal);
        Assert.Contains("worker 2/2 done", output, StringComparison.Ordinal);
        Assert.Equal(CliRunner.SummaryTable(single), CliRunner.SummaryTable(output));
        var run = Assert.Single(Directory.GetDirectories(_work.Combine("workers")));
        Assert.Equal(["stories260K.shard1of2.jsonl", "stories260K.shard2of2.jsonl"], Directory.GetFiles(Path.Combine(run, "checkpoints")).Select(Path.GetFileName).Order());
    }

    [Theory]
    [InlineData("3/2")]
    [InlineData("0/2")]
    [InlineData("half")]
    public async Task AShardOutside1ToN_IsRefused(string shard)
    {
        var (exit, _, error) = await CliRunner.RunAsync(Run(_work.Path, "--shard", shard));

        Assert.Equal(1, exit);
        Assert.Contains($"--shard '{shard}' is not i/n with 1 <= i <= n", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MergingOverlappingShards_NamesTheClash()
    {
        await CliRunner.RunOkAsync(Run(_work.Combine("a"), "--shard", "1/2"));
        await CliRunner.RunOkAsync(Run(_work.Combine("b"), "--shard", "1/2"));
        var runs = new[] { "a", "b" }.Select(m => Assert.Single(Directory.GetDirectories(_work.Combine(m)))).ToArray();

        var (exit, _, error) = await CliRunner.RunAsync(["merge", "--runs", .. runs, .. Common, "-w", _work.Combine("merged")]);

        Assert.Equal(1, exit);
        Assert.Contains("shards must hold disjoint datasets", error, StringComparison.Ordinal);
    }
}
