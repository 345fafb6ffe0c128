using EvalTests.Models;
using EvalTests.Onnx;
using EvalTests.TestSupport;

namespace EvalTests.Extensions.AI.Tests;

/// <summary>
/// An <c>IChatClient</c> evaluated as a model keeps the <see cref="LanguageModelContract"/>: here stories260K behind the
/// chat adapter, loaded once for the class (the adapter owns neither the client nor the model).
/// </summary>
public sealed class ChatClientLanguageModelContractTests : LanguageModelContract, IAsyncLifetime
{
    private OnnxLanguageModel _model = null!;

    public ValueTask InitializeAsync()
    {
        _model = OnnxLanguageModel.Load(new OnnxModelOptions { ModelFolder = SharedData.Model("stories260K") });
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync() => _model.DisposeAsync();

    protected override ValueTask<ILanguageModel> CreateAsync() => ValueTask.FromResult(_model.AsChatClient().AsLanguageModel(abbr: "stories260K-chat"));
}
