using EvalTests.Onnx.Loading;
using EvalTests.TestSupport;

namespace EvalTests.Onnx.Tests;

public sealed class ModelLoadingTests
{
    [Fact]
    public void MissingFolder_IsNamedInTheError()
    {
        var error = Assert.Throws<ModelLoadException>(() => OnnxLanguageModel.Load(new OnnxModelOptions { ModelFolder = "/nonexistent/model" }));

        Assert.Contains("/nonexistent/model", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FolderWithoutOnnxFile_ListsWhereItLooked()
    {
        using var folder = new TempDirectory();
        folder.Write("config.json", "{\"max_position_embeddings\": 16}");

        var error = Assert.Throws<ModelLoadException>(() => OnnxLanguageModel.Load(new OnnxModelOptions { ModelFolder = folder.Path }));

        Assert.Contains("no ONNX file found", error.Message, StringComparison.Ordinal);
        Assert.Contains("onnx/model.onnx", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FolderWithoutConfig_SaysWhichConfigIsExpected()
    {
        using var folder = new TempDirectory();
        File.Copy(Path.Combine(SharedData.Model("stories260K"), "onnx", "model.onnx"), folder.Combine("model.onnx"));

        var error = Assert.Throws<ModelLoadException>(() => OnnxLanguageModel.Load(new OnnxModelOptions { ModelFolder = folder.Path }));

        Assert.Contains("config.json", error.Message, StringComparison.Ordinal);
        Assert.Contains("genai_config.json", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FolderWithoutTokenizer_SaysHowToBorrowOne()
    {
        var error = Assert.Throws<ModelLoadException>(() => OnnxLanguageModel.Load(new OnnxModelOptions { ModelFolder = SharedData.Model("tiny-qwen35-cuda") }));

        Assert.Contains("no tokenizer found", error.Message, StringComparison.Ordinal);
        Assert.Contains("--tokenizer", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CudaRequestOnTheCpuPackage_FallsBackToCpuAndSaysWhy()
    {
        await using var model = OnnxLanguageModel.Load(new OnnxModelOptions { ModelFolder = SharedData.Model("stories260K"), Provider = ExecutionProviderPreference.Cuda });

        Assert.StartsWith("ONNX Runtime: CPUExecutionProvider (CUDA requested, but", model.ProviderDescription, StringComparison.Ordinal);
    }
}
