using EvalTests.TestSupport;

namespace EvalTests.Cli.Tests;

public sealed class RunCommandTests : IDisposable
{
    private readonly TempDirectory _work = new();

    public void Dispose() => _work.Dispose();

    [Fact]
    public async Task Run_Stories260K_OnTwoCevalSubjects_InGenAndPpl_PrintsTheSummaryAndWritesTheTree()
    {
        var (exit, output, error) = await CliRunner.RunAsync(
            "run", "--model", SharedData.Model("stories260K"), "--datasets", "ceval_gen", "ceval_ppl",
            "--subsets", "computer_network", "middle_school_geography", "--data-root", SharedData.Datasets, "-w", _work.Path, "--max-out-len", "8");

        Assert.True(exit == 0, error + output);
        Assert.Contains("ONNX Runtime: CPUExecutionProvider", output, StringComparison.Ordinal);
        Assert.Matches(@"dataset\s+version\s+metric\s+mode\s+stories260K", output);
        Assert.Matches(@"ceval_gen-computer_network\s+[0-9a-f]{6}\s+accuracy\s+gen\s+\d+\.\d\d", output);
        Assert.Matches(@"ceval_ppl-middle_school_geography\s+[0-9a-f]{6}\s+accuracy\s+ppl\s+\d+\.\d\d", output);
        Assert.Contains("62 questions:", output, StringComparison.Ordinal);
        Assert.Matches(@"Work: positions run [\d,]+ / naive plan [\d,]+ \(\d+\.\d× (fewer|more: batch padding)\)", output);

        var run = Assert.Single(Directory.GetDirectories(_work.Path));
        Assert.Matches(@"^\d{8}_\d{6}$", Path.GetFileName(run));
        foreach (var folder in new[] { "configs", "logs", "predictions", "results", "summary" })
        {
            Assert.True(Directory.Exists(Path.Combine(run, folder)), folder);
        }

        Assert.Equal(4, Directory.GetFiles(Path.Combine(run, "predictions", "stories260K")).Length);
        Assert.Single(Directory.GetFiles(Path.Combine(run, "summary"), "summary_*.txt"));
    }

    [Fact]
    public async Task Run_WholeBenchmark_ShowsGroupRows()
    {
        var (exit, output, error) = await CliRunner.RunAsync(
            "run", "--model", SharedData.Model("stories260K"), "--datasets", "ceval_ppl", "--limit", "1",
            "--data-root", SharedData.Datasets, "-w", _work.Path);

        Assert.True(exit == 0, error + output);
        foreach (var group in new[] { "ceval-stem", "ceval-social-science", "ceval-humanities", "ceval-other", "ceval-hard", "ceval " })
        {
            Assert.Matches($@"\n{group.TrimEnd()}\s+-\s+naive_average\s+ppl\s+\d+\.\d\d", output);
        }
    }

    [Fact]
    public async Task Run_MissingData_ListsEveryPlaceItLooked()
    {
        var (exit, _, error) = await CliRunner.RunAsync(
            "run", "--model", SharedData.Model("stories260K"), "--datasets", "cmmlu_gen", "--data-root", _work.Path, "-w", _work.Path);

        Assert.Equal(1, exit);
        Assert.Contains("The CMMLU data", error, StringComparison.Ordinal);
        Assert.Contains($"--data-root option: {Path.Combine(_work.Path, "cmmlu")} (missing)", error, StringComparison.Ordinal);
        Assert.Contains("evaltests data pull cmmlu", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_UnknownDataset_NamesTheKnownOnes()
    {
        var (exit, _, error) = await CliRunner.RunAsync("run", "--model", SharedData.Model("stories260K"), "--datasets", "ceval_gne");

        Assert.Equal(1, exit);
        Assert.Contains("Unknown dataset 'ceval_gne'", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_ModelFolderWithoutTokenizer_SaysSo()
    {
        var (exit, _, error) = await CliRunner.RunAsync(
            "run", "--model", SharedData.Model("tiny-qwen35-cuda"), "--datasets", "ceval_gen", "--data-root", SharedData.Datasets, "-w", _work.Path);

        Assert.Equal(1, exit);
        Assert.Contains("no tokenizer found", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_ModelNameUnderAModelsRoot_IsFound()
    {
        var (exit, output, error) = await CliRunner.RunAsync(
            "run", "--model", "stories260K", "--models-root", Path.Combine(SharedData.Root, "models"), "--datasets", "cmmlu_ppl",
            "--subsets", "agronomy", "--limit", "2", "--data-root", SharedData.Datasets, "-w", _work.Path);

        Assert.True(exit == 0, error + output);
        Assert.Matches(@"cmmlu-agronomy\s+[0-9a-f]{6}\s+accuracy\s+ppl", output);
    }

    [Fact]
    public async Task Run_WithATemperatureAndSeed_SamplesTheSameAnswersTwice_AndRecordsItsGenerationKwargs()
    {
        string[] Args(string timestamp) => ["run", "--model", SharedData.Model("stories260K"), "-d", "ceval_gen", "--subsets", "computer_network", "--limit", "3",
            "--temperature", "1.0", "--top-p", "0.9", "--seed", "42", "--max-out-len", "12", "--data-root", SharedData.Datasets, "-w", _work.Path, "--reuse", timestamp];
        Directory.CreateDirectory(_work.Combine("a"));
        Directory.CreateDirectory(_work.Combine("b"));

        await CliRunner.RunOkAsync(Args("a"));
        await CliRunner.RunOkAsync(Args("b"));

        Assert.Equal(File.ReadAllText(_work.Combine("a", "predictions", "stories260K", "ceval-computer_network.json")), File.ReadAllText(_work.Combine("b", "predictions", "stories260K", "ceval-computer_network.json")));
        Assert.Contains("\"generation_kwargs\"", File.ReadAllText(Directory.GetFiles(_work.Combine("a", "configs")).Single()), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_WithTopPButNoTemperature_SaysSamplingNeedsOne()
    {
        var (exit, output, error) = await CliRunner.RunAsync("run", "--model", SharedData.Model("stories260K"), "-d", "ceval_gen", "--top-p", "0.9", "-w", _work.Path);

        Assert.NotEqual(0, exit);
        Assert.Contains("--top-p, --top-k and --seed shape sampling, which needs --temperature above 0", error + output, StringComparison.Ordinal);
        Assert.DoesNotContain("Model stories260K", output, StringComparison.Ordinal); // refused before the model loads
    }

    [Theory]
    [InlineData("--test-range", "0:5", "error: '0:5' is not a Python slice")]
    [InlineData("--postprocessor", "first_option:opts=AB", "error: Postprocessor 'first_option' takes options, cushion, not 'opts'.")]
    public async Task Run_WithAMalformedOption_SaysWhatWasExpectedInOneLine_BeforeTheModelLoads(string option, string value, string expected)
    {
        var (exit, output, error) = await CliRunner.RunAsync("run", "--model", SharedData.Model("stories260K"), "-d", "ceval_gen", option, value, "-w", _work.Path);

        Assert.Equal(1, exit);
        Assert.StartsWith(expected, error, StringComparison.Ordinal);
        Assert.DoesNotContain("Model stories260K", output, StringComparison.Ordinal);
    }
}
