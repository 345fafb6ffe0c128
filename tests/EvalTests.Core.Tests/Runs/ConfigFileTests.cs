using EvalTests.Datasets;
using EvalTests.Models;
using EvalTests.Runs;
using EvalTests.Runs.RunFolder;
using EvalTests.TestSupport;

namespace EvalTests.Core.Tests.Runs;

/// <summary>A run's config file: typed records written in OpenCompass's layout and read back by every reader.</summary>
public sealed class ConfigFileTests : IDisposable
{
    private readonly TempDirectory _work = new();

    public void Dispose() => _work.Dispose();

    private static readonly ModelDescriptor Model = new("tiny", "onnx:sha256:0123456789abcdef", 512, ModelCapabilities.Generate);

    [Fact]
    public async Task AConfig_IsWrittenInOpenCompassLayout_AndReadBackAsWritten()
    {
        var plan = RunPlan.Create(DatasetCatalog.Default, ["ceval_gen"], ["law"]);
        var layout = new RunOutputLayout(_work.Path, "20261130_120000");
        var settings = new RunSettings { AutoBatchSize = true, Limit = 3, TestRange = EvalTests.Python.PythonSlice.Parse("[0:5]") };

        await ConfigFile.WriteAsync(layout.ConfigFile(1), plan, settings, layout, Model, judge: null, TestContext.Current.CancellationToken);
        var text = File.ReadAllText(layout.ConfigFile(1));
        var read = ConfigFile.Read(layout.ConfigFile(1));

        Assert.StartsWith("{\n    \"models\": [\n        {\n            \"abbr\": \"tiny\",", text, StringComparison.Ordinal);
        Assert.Contains("\"batch_size\": \"auto\"", text, StringComparison.Ordinal);
        Assert.Contains("\"test_range\": \"[0:5]\"", text, StringComparison.Ordinal);
        Assert.DoesNotContain("generation_kwargs", text, StringComparison.Ordinal);
        Assert.Equal("tiny", read.Models.Single().Abbr);
        Assert.Null(read.Models.Single().BatchSize.Size);
        Assert.Equal(["ceval-law"], read.Datasets.Select(d => d.Abbr));
        Assert.Equal(plan.Tasks[0].Version, read.Datasets[0].Version);
        Assert.Contains(read.Summarizer.SummaryGroups, g => g.Name == "ceval-humanities" && g.Subsets.Contains("ceval-law"));
    }

    [Fact]
    public async Task ASecondModelOfTheRun_JoinsTheModelsList_AndASampledRunRecordsItsGenerationKwargs()
    {
        var plan = RunPlan.Create(DatasetCatalog.Default, ["ceval_gen"], ["law"]);
        var layout = new RunOutputLayout(_work.Path, "20261130_120000");
        var ct = TestContext.Current.CancellationToken;

        await ConfigFile.WriteAsync(layout.ConfigFile(1), plan, new RunSettings(), layout, Model, null, ct);
        await ConfigFile.WriteAsync(layout.ConfigFile(1), plan, new RunSettings { Sampling = new SamplingSettings(0.7, 0.9, 0, 5) }, layout, Model with { Abbr = "other" }, null, ct);
        var read = ConfigFile.Read(layout.ConfigFile(1));

        Assert.Equal(["tiny", "other"], read.Models.Select(m => m.Abbr));
        Assert.Equal(16, read.Models[0].BatchSize.Size);
        Assert.Equal(new GenerationKwargsRecord(true, 0.7, 0.9, 0, 5), read.Models[1].GenerationKwargs);
    }

    [Fact]
    public void AFileThatIsNotARunConfig_NamesTheFileAndLine()
    {
        var path = _work.Write("configs/bad.json", "{\n  \"models\": 5\n}");

        var error = Assert.Throws<InvalidDataException>(() => ConfigFile.Read(path));

        Assert.StartsWith($"{path}: not a run config (line 2, $.models)", error.Message, StringComparison.Ordinal);
    }
}
