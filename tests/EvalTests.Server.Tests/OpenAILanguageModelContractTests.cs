using EvalTests.Models;
using EvalTests.OpenAI;
using EvalTests.TestSupport;

namespace EvalTests.Server.Tests;

/// <summary>The OpenAI-compatible backend, talking to stories260K served on loopback, keeps the <see cref="LanguageModelContract"/>.</summary>
public sealed class OpenAILanguageModelContractTests(ServedModelFixture served) : LanguageModelContract, IClassFixture<ServedModelFixture>, IDisposable
{
    private readonly string _variable = $"EVALTESTS_CONTRACT_KEY_{Guid.NewGuid():N}";

    public void Dispose() => Environment.SetEnvironmentVariable(_variable, null);

    protected override async ValueTask<ILanguageModel> CreateAsync()
    {
        Environment.SetEnvironmentVariable(_variable, ServedModelFixture.ApiKey);
        return await OpenAILanguageModel.ConnectAsync(new OpenAIModelOptions
        {
            BaseUrl = served.Server.BaseUrl,
            ApiKeyVariable = _variable,
            QueriesPerSecond = 1000,
            MaxConcurrency = 8,
        }, TestContext.Current.CancellationToken);
    }
}
