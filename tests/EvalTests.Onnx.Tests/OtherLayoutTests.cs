using EvalTests.Models;
using EvalTests.Onnx.Loading;
using EvalTests.Prompts;
using EvalTests.TestSupport;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace EvalTests.Onnx.Tests;

/// <summary>The two random-weight models use other input layouts; the same backend code must run them unchanged.</summary>
public sealed class OtherLayoutTests
{
    private static string Vocab1000 => Path.Combine(SharedData.Model("tiny-random-gpt2-fp32"), "vocab1000");

    public static TheoryData<string> Models => ["tiny-random-gpt2-fp32", "tiny-qwen35-cuda"];

    private static OnnxLanguageModel Load(string name) => OnnxLanguageModel.Load(new OnnxModelOptions
    {
        ModelFolder = SharedData.Model(name),
        TokenizerFolder = Vocab1000,
        Provider = ExecutionProviderPreference.Cpu,
    });

    [Fact]
    public async Task Gpt2_StackedKvAndInt32Ids_AreReadFromTheGraph()
    {
        await using var model = Load("tiny-random-gpt2-fp32");
        var signature = model.Decoder.Signature;

        Assert.Equal(TensorElementType.Int32, signature.InputIdsType);
        Assert.Equal(5, signature.Cache.Count);
        Assert.All(signature.Cache, slot => Assert.Equal(KvKind.Stacked, slot.Kind));
        Assert.Equal(512, model.Descriptor.MaxSequenceLength);
    }

    [Fact]
    public async Task Qwen_Fp16GroupedQueryAttentionWithoutPositionIds_IsReadFromTheGraph()
    {
        await using var model = Load("tiny-qwen35-cuda");
        var signature = model.Decoder.Signature;

        Assert.Equal(TensorElementType.Int32, signature.InputIdsType);
        Assert.Equal(TensorElementType.Int64, signature.AttentionMaskType);
        Assert.Null(signature.PositionIds);
        Assert.Equal(TensorElementType.Float16, signature.LogitsType);
        Assert.Equal(4, signature.Cache.Count);
        Assert.All(signature.Cache, slot => Assert.Equal((2, 16, TensorElementType.Float16), (slot.Heads, slot.HeadSize, slot.ElementType)));
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task RandomModel_GeneratesWithCacheExactlyAsFullRecomputation(string name)
    {
        await using var model = Load(name);
        var ids = model.Encode("以下是中国关于计算机网络考试的单项选择题").ToList();
        Assert.All(ids, id => Assert.InRange(id, 0, 999));

        var generated = model.Decoder.Generate([ids], 8, new HashSet<int>(), cancellationToken: TestContext.Current.CancellationToken)[0].Tokens;

        Assert.Equal(8, generated.Count);
        var sequence = new List<int>(ids);
        foreach (var token in generated)
        {
            var logits = model.Decoder.LastLogits(sequence);
            Assert.Equal(token, Array.IndexOf(logits, logits.Max()));
            sequence.Add(token);
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task RandomModel_ScoresLogLikelihoodsThroughTheSameContract(string name)
    {
        await using var model = Load(name);
        var prompt = new Prompt([new(TurnRole.Human, "question text"), new(TurnRole.Bot, "B")]);

        var result = (await model.LogLikelihoodAsync([new LogLikelihoodRequest(prompt)], TestContext.Current.CancellationToken))[0];

        Assert.Null(result.Error);
        Assert.Equal(model.Encode("question text\nB").Count - 1, result.TokenLogProbs.Count);
        Assert.All(result.TokenLogProbs, lp => Assert.True(lp < 0 && double.IsFinite(lp)));
    }
}
