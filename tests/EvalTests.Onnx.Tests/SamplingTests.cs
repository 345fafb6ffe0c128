using EvalTests.Models;
using EvalTests.Onnx.Inference;
using EvalTests.Prompts;
using EvalTests.TestSupport;

namespace EvalTests.Onnx.Tests;

/// <summary>Sampling as Hugging Face's warpers do it (temperature, top-k, top-p), reproducible by seed whatever shares the batch.</summary>
public sealed class SamplingTests
{
    [Fact]
    public void Draws_FollowTheSoftmaxOfTheLogitsOverTheTemperature()
    {
        // logits 0 and ln 3 at temperature 1: probabilities 1/4 and 3/4.
        var random = new Random(1);
        var ones = Enumerable.Range(0, 8000).Count(_ => TokenSampler.Draw([0f, MathF.Log(3)], new SamplingSettings(1), random) == 1);

        Assert.InRange(ones / 8000.0, 0.73, 0.77);
    }

    [Theory]
    [InlineData(1, 1.0)]   // top_k 1 keeps the likeliest token only
    [InlineData(0, 0.5)]   // top_p 0.5 keeps the smallest set reaching half the mass: the likeliest token (0.64)
    public void TopKAndTopP_KeepOnlyTheLikeliestTokens(int topK, double topP)
    {
        var random = new Random(2);
        float[] logits = [1f, 3f, 2f, 0.5f];

        Assert.All(Enumerable.Range(0, 200), _ => Assert.Equal(1, TokenSampler.Draw(logits, new SamplingSettings(1, topP, topK), random)));
    }

    [Fact]
    public void TopP_KeepsTheTokenThatCrossesTheThreshold()
    {
        // Probabilities about 0.665, 0.245, 0.09: top_p 0.7 keeps the first two (0.665 < 0.7), never the third.
        float[] logits = [2f, 1f, 0f];
        var random = new Random(3);
        var drawn = Enumerable.Range(0, 2000).Select(_ => TokenSampler.Draw(logits, new SamplingSettings(1, 0.7), random)).ToHashSet();

        Assert.Equal([0, 1], drawn.Order());
    }

    [Fact]
    public async Task ASeed_DrawsTheSameAnswer_AloneOrInABatch_AndAnotherSeedAnother()
    {
        await using var model = OnnxLanguageModel.Load(new OnnxModelOptions { ModelFolder = SharedData.Model("stories260K") });
        GenerationRequest Request(string text, long seed) => new(Prompt.FromChat([new PromptTurn(TurnRole.Human, text)]), new GenerationSettings(24, []) { Sampling = new SamplingSettings(1.0, 0.95, 40, seed) });
        var ct = TestContext.Current.CancellationToken;

        var alone = (await model.GenerateAsync([Request("Once upon a time", 11)], ct))[0].Text;
        var batched = await model.GenerateAsync([Request("Lily and Ben", 5), Request("Once upon a time", 11), Request("The sun", 9)], ct);
        var otherSeed = (await model.GenerateAsync([Request("Once upon a time", 12)], ct))[0].Text;
        var greedy = (await model.GenerateAsync([new GenerationRequest(Prompt.FromChat([new PromptTurn(TurnRole.Human, "Once upon a time")]), new GenerationSettings(24, []))], ct))[0].Text;

        Assert.Equal(alone, batched[1].Text);
        Assert.NotEqual(alone, otherSeed);
        Assert.NotEqual(alone, greedy);
    }

    [Fact]
    public async Task TopLogProbs_OfAGreedyGeneration_PutEachChosenTokenFirst_AndEchoScoringAgreesWithTheSharedScorer()
    {
        await using var model = OnnxLanguageModel.Load(new OnnxModelOptions { ModelFolder = SharedData.Model("stories260K") });
        var ct = TestContext.Current.CancellationToken;

        var generated = (await model.CompleteTextsAsync([new TextCompletionRequest("Once upon a time", new GenerationSettings(8, []) { LogProbs = 3 })], ct))[0];
        var scored = (await model.ScoreTextsAsync(["One day, Lily went to the park."], 0, ct))[0];
        var withTop = (await model.ScoreTextsAsync(["One day, Lily went to the park."], 3, ct))[0];

        Assert.Equal(8, generated.Tokens!.Count);
        Assert.Equal(generated.Text, string.Concat(generated.Tokens.Select(t => t.Text)));
        Assert.All(generated.Tokens, t =>
        {
            Assert.Equal(3, t.Top.Count);
            Assert.Equal(t.LogProb!.Value, t.Top[0].LogProb, 6);
            Assert.True(t.Top[0].LogProb >= t.Top[1].LogProb && t.Top[1].LogProb >= t.Top[2].LogProb);
        });
        Assert.Equal(scored.Select(t => t.Text), withTop.Select(t => t.Text));
        Assert.All(scored.Zip(withTop).Skip(1), pair =>
        {
            Assert.Equal(pair.First.LogProb!.Value, pair.Second.LogProb!.Value, 4);
            Assert.True(pair.Second.Top[0].LogProb >= pair.Second.LogProb!.Value - 1e-6);
        });
    }
}
