using EvalTests.Models;
using EvalTests.Onnx.Loading;
using EvalTests.TestSupport;

namespace EvalTests.Onnx.Tests;

/// <summary>The ONNX backend (stories260K) keeps the <see cref="LanguageModelContract"/>.</summary>
public sealed class OnnxLanguageModelContractTests : LanguageModelContract
{
    protected override ValueTask<ILanguageModel> CreateAsync() =>
        ValueTask.FromResult<ILanguageModel>(OnnxLanguageModel.Load(new OnnxModelOptions { ModelFolder = SharedData.Model("stories260K"), Provider = ExecutionProviderPreference.Cpu }));
}
