using EvalTests.Datasets;
using EvalTests.Models;
using EvalTests.Onnx;
using EvalTests.OpenAI;
using EvalTests.Runs;
using EvalTests.TestSupport;

namespace EvalTests.Server.Tests;

/// <summary>A model evaluated through <c>serve</c> and the OpenAI backend scores exactly as it does loaded directly.</summary>
public sealed class ServedEvaluationTests : IDisposable
{
    private readonly TempDirectory _work = new();

    public void Dispose() => _work.Dispose();

    private static string Locate(DatasetCard card) => Path.Combine(SharedData.Datasets, card.Name);

    [Fact]
    public async Task ServedThroughTheOpenAIBackend_GivesTheSamePredictionsAndScoresAsDirectInGenAndPplMode()
    {
        var plan = RunPlan.Create(DatasetCatalog.Default, ["ceval_gen", "ceval_ppl"], ["computer_network", "law"]);
        var settings = new RunSettings { WorkDir = _work.Path, BatchSize = 8, MaxOutLen = 16, Limit = 3 };
        await using var model = OnnxLanguageModel.Load(new OnnxModelOptions { ModelFolder = SharedData.Model("stories260K") });

        var direct = await new EvaluationRunner(model, settings with { Timestamp = "direct" }).RunAsync(plan, Locate, TestContext.Current.CancellationToken);

        await using var server = await OpenAICompatibleServer.StartAsync(model, new ServerOptions { Port = 0 }, TestContext.Current.CancellationToken);
        await using var remote = await OpenAILanguageModel.ConnectAsync(new OpenAIModelOptions
        {
            BaseUrl = server.BaseUrl,
            ApiKeyVariable = null,
            QueriesPerSecond = 1000,
            MaxConcurrency = 8,
        }, TestContext.Current.CancellationToken);
        var served = await new EvaluationRunner(remote, settings with { Timestamp = "served" }).RunAsync(plan, Locate, TestContext.Current.CancellationToken);

        Assert.Equal(model.Descriptor.Abbr, remote.Descriptor.Abbr);
        Assert.Equal(ModelCapabilities.Generate | ModelCapabilities.LogLikelihood, remote.Descriptor.Capabilities);
        Assert.Equal(512, remote.Descriptor.MaxSequenceLength);
        foreach (var task in plan.Tasks)
        {
            Assert.Equal(File.ReadAllText(direct.Layout.Predictions("stories260K", task.Abbr)), File.ReadAllText(served.Layout.Predictions("stories260K", task.Abbr)));
            Assert.Equal(File.ReadAllText(direct.Layout.Results("stories260K", task.Abbr)), File.ReadAllText(served.Layout.Results("stories260K", task.Abbr)));
        }

        Assert.Equal(direct.Summary.ToText(), served.Summary.ToText());
        Assert.Equal(0, remote.Usage.Failures);
    }
}
