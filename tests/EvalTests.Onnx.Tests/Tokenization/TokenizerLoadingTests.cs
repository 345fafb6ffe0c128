using System.Text.Json.Nodes;
using EvalTests.Onnx.Loading;
using EvalTests.Onnx.Tokenization.HuggingFace;
using EvalTests.TestSupport;

namespace EvalTests.Onnx.Tests.Tokenization;

/// <summary>What loading a tokenizer.json refuses, and what a model folder's tokenizer does with ids it has no token for.</summary>
public sealed class TokenizerLoadingTests : IDisposable
{
    private static readonly string Fixtures = Path.Combine(AppContext.BaseDirectory, "Tokenization", "Fixtures");

    private readonly TempDirectory _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData("normalizer", """{ "type": "Precompiled", "precompiled_charsmap": "" }""", "normalizer is a normalizer of type \"Precompiled\"")]
    [InlineData("pre_tokenizer", """{ "type": "Sequence", "pretokenizers": [ { "type": "Digits", "individual_digits": true }, { "type": "BertPreTokenizer" } ] }""", "pre_tokenizer.pretokenizers[1] is a pre_tokenizer of type \"BertPreTokenizer\"")]
    [InlineData("post_processor", """{ "type": "Unknown" }""", "post_processor is a post_processor of type \"Unknown\"")]
    [InlineData("decoder", """{ "type": "WordPiece", "prefix": "##", "cleanup": true }""", "decoder is a decoder of type \"WordPiece\"")]
    [InlineData("model", """{ "type": "Unigram", "vocab": [] }""", "model is a model of type \"Unigram\"")]
    public void UnimplementedComponent_FailsTheLoad_NamingTheFilePathAndType(string component, string json, string expected)
    {
        var tokenizer = JsonNode.Parse(File.ReadAllText(Path.Combine(Fixtures, "llama3-style.tokenizer.json")))!;
        tokenizer[component] = JsonNode.Parse(json);
        var path = _folder.Combine("tokenizer.json");
        File.WriteAllText(path, tokenizer.ToJsonString());

        var error = Assert.Throws<ModelLoadException>(() => TokenizerJsonReader.Read(path, cleanUpTokenizationSpaces: false));

        Assert.StartsWith($"{path}: {expected}, which EvalTests does not implement (it implements ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BpeDropout_IsRefused_SinceItSamplesTokenizations()
    {
        var tokenizer = JsonNode.Parse(File.ReadAllText(Path.Combine(Fixtures, "llama3-style.tokenizer.json")))!;
        tokenizer["model"]!["dropout"] = 0.1;
        var path = _folder.Combine("tokenizer.json");
        File.WriteAllText(path, tokenizer.ToJsonString());

        var error = Assert.Throws<ModelLoadException>(() => TokenizerJsonReader.Read(path, cleanUpTokenizationSpaces: false));

        Assert.Contains("model.dropout is 0.1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Qwen3_DecodesEveryIdTheModelCanEmit_IdsWithoutATokenAsNothing()
    {
        await using var model = OnnxLanguageModel.Load(new OnnxModelOptions { ModelFolder = SharedData.Model("qwen3tok-random"), Provider = ExecutionProviderPreference.Cpu, HfType = HfType.Base });

        // 151,669 ids have tokens; the output layer has 151,936 rows, the last 267 of them padding.
        Assert.Equal("Hello", model.Decode([151_935, 9707, 151_669, 151_700]));
        Assert.Equal("<|im_end|>", model.Decode([151_645]));
        Assert.Equal(string.Empty, model.Decode([151_645], skipSpecialTokens: true));
    }

    [Fact]
    public async Task BorrowedTokenizer_BringsItsOwnSpecialTokensAndTemplate()
    {
        // stories260K's graph with Qwen3's tokenizer folder: the special tokens and chat template are Qwen3's.
        await using var model = OnnxLanguageModel.Load(new OnnxModelOptions
        {
            ModelFolder = SharedData.Model("stories260K"), TokenizerFolder = SharedData.Model("qwen3tok-random"), Provider = ExecutionProviderPreference.Cpu,
        });

        Assert.Equal([151_644, 872, 198], model.Encode("<|im_start|>user\n"));
        Assert.Equal(HfType.Chat, model.HfType);
    }
}
