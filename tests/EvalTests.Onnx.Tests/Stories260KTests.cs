using EvalTests.Models;
using EvalTests.Prompts;
using EvalTests.TestSupport;

namespace EvalTests.Onnx.Tests;

public sealed class Stories260KTests : IAsyncLifetime
{
    // The greedy continuation documented for this checkpoint by llama2.c (see ../shared/models/README.md).
    private const string ReferenceContinuation =
        "there was a little girl named Lily. She loved to play outside in the park. One day, she saw a big, red ball. She wanted to play with it, but it was too high";

    private OnnxLanguageModel _model = null!;

    public ValueTask InitializeAsync()
    {
        _model = OnnxLanguageModel.Load(new OnnxModelOptions { ModelFolder = SharedData.Model("stories260K"), Provider = Loading.ExecutionProviderPreference.Cpu });
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync() => _model.DisposeAsync();

    private static Prompt Plain(string text) => new([new PromptTurn(TurnRole.Human, text)]);

    [Fact]
    public void Tokenizer_EncodesTheReferencePromptToTheDocumentedIds()
    {
        Assert.Equal([1, 403, 407, 261, 378, 432], _model.Encode("Once upon a time,"));
    }

    [Fact]
    public async Task GreedyGeneration_ReproducesTheReferenceText()
    {
        var results = await _model.GenerateAsync([new GenerationRequest(Plain("Once upon a time,"), new GenerationSettings(55, []))], TestContext.Current.CancellationToken);

        Assert.Equal(ReferenceContinuation, results[0].Text.Trim());
        Assert.Equal(55, results[0].OutputTokens);
    }

    [Fact]
    public async Task StopString_EndsGenerationEarly_AndIsCutFromTheText()
    {
        var results = await _model.GenerateAsync([new GenerationRequest(Plain("Once upon a time,"), new GenerationSettings(55, ["Lily"]))], TestContext.Current.CancellationToken);

        Assert.Equal("there was a little girl named", results[0].Text.Trim());
        Assert.InRange(results[0].OutputTokens, 1, 20);
    }

    [Fact]
    public async Task BatchedGeneration_WithLeftPadding_EqualsOneRequestAtATime()
    {
        string[] prompts = ["Once upon a time,", "Tom had a red", "The cat", "One day, a little bird flew over the big tree and"];
        var settings = new GenerationSettings(24, []);
        var ct = TestContext.Current.CancellationToken;

        var batched = await _model.GenerateAsync(prompts.Select(p => new GenerationRequest(Plain(p), settings)).ToList(), ct);
        var single = new List<GenerationResult>();
        foreach (var prompt in prompts)
        {
            single.AddRange(await _model.GenerateAsync([new GenerationRequest(Plain(prompt), settings)], ct));
        }

        Assert.Equal(single.Select(r => r.Text), batched.Select(r => r.Text));
    }

    [Fact]
    public async Task BatchedLogLikelihoods_WithLeftPadding_EqualUnbatchedOnes()
    {
        Prompt[] prompts =
        [
            new([new(TurnRole.Human, "Once upon a time,"), new(TurnRole.Bot, "there was a girl")]),
            new([new(TurnRole.Human, "The cat"), new(TurnRole.Bot, "sat")]),
            new([new(TurnRole.Human, "Lily and Tom went to the park to play with the ball."), new(TurnRole.Bot, "They were happy.")]),
        ];
        var ct = TestContext.Current.CancellationToken;

        var batched = await _model.LogLikelihoodAsync(prompts.Select(p => new LogLikelihoodRequest(p)).ToList(), ct);
        for (var i = 0; i < prompts.Length; i++)
        {
            var single = (await _model.LogLikelihoodAsync([new LogLikelihoodRequest(prompts[i])], ct))[0];
            Assert.Equal(single.TokenLogProbs.Count, batched[i].TokenLogProbs.Count);
            for (var t = 0; t < single.TokenLogProbs.Count; t++)
            {
                Assert.Equal(single.TokenLogProbs[t], batched[i].TokenLogProbs[t], 1e-4);
            }

            Assert.Equal(single.ContinuationTokens, batched[i].ContinuationTokens);
        }
    }

    [Fact]
    public async Task CachedDecoding_EqualsRecomputingTheFullSequence()
    {
        var ids = _model.Encode("Once upon a time,").ToList();
        var generated = _model.Decoder.Generate([ids], 20, new HashSet<int>(), cancellationToken: TestContext.Current.CancellationToken)[0].Tokens;

        // Without a cache, each next token is the argmax of a full forward pass over everything so far.
        var sequence = new List<int>(ids);
        foreach (var token in generated)
        {
            var logits = _model.Decoder.LastLogits(sequence);
            Assert.Equal(token, Array.IndexOf(logits, logits.Max()));
            sequence.Add(token);
        }

        // And the per-token log-probabilities of the cached run equal those of one uncached pass.
        var cachedLogProbs = _model.Decoder.TokenLogProbs([sequence], TestContext.Current.CancellationToken)[0];
        for (var t = ids.Count; t < sequence.Count; t++)
        {
            var logits = _model.Decoder.LastLogits(sequence.Take(t).ToList());
            var max = logits.Max();
            var logSum = Math.Log(logits.Sum(l => Math.Exp(l - max))) + max;
            Assert.Equal(logits[sequence[t]] - logSum, cachedLogProbs[t - 1], 1e-4);
        }
    }

    [Fact]
    public async Task LogLikelihood_ScoresEveryTokenAfterTheFirst_AndCountsTheContinuation()
    {
        var prompt = new Prompt([new(TurnRole.Human, "Once upon a time,"), new(TurnRole.Bot, "there was a little girl")]);
        var result = (await _model.LogLikelihoodAsync([new LogLikelihoodRequest(prompt)], TestContext.Current.CancellationToken))[0];
        var tokens = _model.Encode("Once upon a time,\nthere was a little girl");

        Assert.Equal(tokens.Count - 1, result.TokenLogProbs.Count);
        Assert.InRange(result.ContinuationTokens, 1, tokens.Count - 1);
    }

    [Fact]
    public void Descriptor_NamesTheFolderAndPinsTheWeights()
    {
        Assert.Equal("stories260K", _model.Descriptor.Abbr);
        Assert.StartsWith("onnx:sha256:", _model.Descriptor.Identity, StringComparison.Ordinal);
        Assert.Equal(512, _model.Descriptor.MaxSequenceLength);
        Assert.Contains("CPUExecutionProvider", _model.ProviderDescription, StringComparison.Ordinal);
    }

    /// <summary>stories260K without prefix sharing: the plan whose batches decode together, which auto sizing probes.</summary>
    private static OnnxLanguageModel LoadUnshared() =>
        OnnxLanguageModel.Load(new OnnxModelOptions { ModelFolder = SharedData.Model("stories260K"), Provider = Loading.ExecutionProviderPreference.Cpu, SharePrefixes = false });

    [Fact]
    public async Task AutoBatchSize_GrowsToTheLimitWhileMemoryLastsAndBatchingPays_AndNeverGoesBelowOne()
    {
        await using var model = LoadUnshared();
        var ct = TestContext.Current.CancellationToken;

        Assert.Equal(6, model.LargestBatch(64, newTokens: 0, limit: 6, memoryBudget: long.MaxValue, minSpeedup: 0, ct));
        Assert.Equal(1, model.LargestBatch(48, newTokens: 16, limit: 6, memoryBudget: 0, minSpeedup: 0, ct));
        Assert.Equal(1, model.LargestBatch(64, newTokens: 0, limit: 6, memoryBudget: long.MaxValue, minSpeedup: double.PositiveInfinity, ct));
    }

    [Fact]
    public void AutoBatchSize_WhenPrefixesAreShared_ProbesNothing_AsOneRowRunsPerPassWhateverTheBatch()
    {
        var passes = _model.Decoder.ForwardPasses;
        var ct = TestContext.Current.CancellationToken;

        Assert.Equal(16, _model.LargestBatch(64, newTokens: 0, limit: 100, memoryBudget: 0, minSpeedup: double.PositiveInfinity, ct));
        Assert.Equal(3, _model.LargestBatch(64, newTokens: 0, limit: 3, memoryBudget: 0, minSpeedup: 0, ct));
        Assert.Equal(16, _model.LargestBatch(40, newTokens: 24, limit: 100, memoryBudget: 0, minSpeedup: double.PositiveInfinity, ct));
        Assert.Equal(passes, _model.Decoder.ForwardPasses);
    }

    [Fact]
    public async Task AutoBatchSize_ForGeneration_TimesDecodeStepsOnACacheOfTheFullLength()
    {
        await using var model = LoadUnshared();
        var (passes, tokens) = (model.Decoder.ForwardPasses, model.Decoder.TokensRun);

        Assert.Equal(1, model.LargestBatch(40, newTokens: 24, limit: 1, memoryBudget: long.MaxValue, minSpeedup: 0, TestContext.Current.CancellationToken));

        // One probe of one row: a pass over 60 tokens, then 4 one-token steps that bring its cache to 40 + 24.
        Assert.Equal((5, 64), (model.Decoder.ForwardPasses - passes, model.Decoder.TokensRun - tokens));
    }
}
