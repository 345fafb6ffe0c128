using EvalTests.Onnx;
using EvalTests.TestSupport;

namespace EvalTests.Server.Tests;

/// <summary>stories260K loaded once and served on a free loopback port, with a key, for a test class.</summary>
public sealed class ServedModelFixture : IAsyncLifetime
{
    public const string ApiKey = "sk-served-test-key";

    public OnnxLanguageModel Model { get; private set; } = null!;

    public OpenAICompatibleServer Server { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Model = OnnxLanguageModel.Load(new OnnxModelOptions { ModelFolder = SharedData.Model("stories260K") });
        Server = await OpenAICompatibleServer.StartAsync(Model, new ServerOptions { Port = 0, ApiKey = ApiKey });
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        await Model.DisposeAsync();
    }
}
