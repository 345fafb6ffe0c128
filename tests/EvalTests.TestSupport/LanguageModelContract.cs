using EvalTests.Models;
using EvalTests.Prompts;
using Xunit;

namespace EvalTests.TestSupport;

/// <summary>
/// What every <see cref="ILanguageModel"/> backend promises, whatever runs it: one result per request in request order,
/// empty batches answered empty, greedy text (the same prompt, the same text) within the token limit, log-probabilities
/// (finite, at most 0) for every token after the first with the continuation counted, a capability the descriptor does
/// not offer refused with <see cref="NotSupportedException"/>, and a cancelled call stopped. Each backend's test project
/// derives one class that says how to create its model; the facts here run for each.
/// </summary>
public abstract class LanguageModelContract
{
    /// <summary>Creates the backend under test (disposed by each fact).</summary>
    protected abstract ValueTask<ILanguageModel> CreateAsync();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static GenerationRequest Ask(string question, int maxTokens = 8) =>
        new(new Prompt([new(TurnRole.Human, question), new(TurnRole.Bot, string.Empty)]), new GenerationSettings(maxTokens, []));

    private static LogLikelihoodRequest Score(string question, string answer) =>
        new(new Prompt([new(TurnRole.Human, question), new(TurnRole.Bot, answer)]));

    [Fact]
    public async Task Descriptor_NamesTheModel_AndPinsItsIdentity()
    {
        await using var model = await CreateAsync();

        Assert.False(string.IsNullOrWhiteSpace(model.Descriptor.Abbr));
        Assert.False(string.IsNullOrWhiteSpace(model.Descriptor.Identity));
    }

    [Fact]
    public async Task EmptyBatches_AreAnsweredEmpty_ForWhatTheModelOffers()
    {
        await using var model = await CreateAsync();

        if (Offers(model, ModelCapabilities.Generate))
        {
            Assert.Empty(await model.GenerateAsync([], Ct));
        }

        if (Offers(model, ModelCapabilities.LogLikelihood))
        {
            Assert.Empty(await model.LogLikelihoodAsync([], Ct));
        }
    }

    [Fact]
    public async Task Generation_GivesOneResultPerRequest_InRequestOrder_AndTheSameTextForTheSamePrompt()
    {
        await using var model = await CreateAsync();
        GenerationRequest[] requests = [Ask("Once upon a time"), Ask("The little dog"), Ask("Once upon a time")];
        if (!Offers(model, ModelCapabilities.Generate))
        {
            await Assert.ThrowsAsync<NotSupportedException>(async () => await model.GenerateAsync(requests, Ct));
            return;
        }

        var results = await model.GenerateAsync(requests, Ct);
        var alone = await model.GenerateAsync([requests[1]], Ct);

        Assert.Equal(3, results.Count);
        Assert.All(results, r => Assert.Null(r.Error));
        Assert.Equal(results[0].Text, results[2].Text);
        Assert.Equal(alone[0].Text, results[1].Text);
    }

    [Fact]
    public async Task Generation_StopsAtTheTokenLimit()
    {
        await using var model = await CreateAsync();
        if (!Offers(model, ModelCapabilities.Generate))
        {
            return;
        }

        var result = (await model.GenerateAsync([Ask("Once upon a time", maxTokens: 3)], Ct))[0];

        Assert.Null(result.Error);
        Assert.InRange(result.OutputTokens, 0, 3);
    }

    [Fact]
    public async Task LogLikelihood_ScoresEveryTokenAfterTheFirst_AndCountsTheContinuation()
    {
        await using var model = await CreateAsync();
        LogLikelihoodRequest[] requests = [Score("Once upon a time,", "there was a girl"), Score("Once upon a time,", "there was a boy named Tom")];
        if (!Offers(model, ModelCapabilities.LogLikelihood))
        {
            await Assert.ThrowsAsync<NotSupportedException>(async () => await model.LogLikelihoodAsync(requests, Ct));
            return;
        }

        var results = await model.LogLikelihoodAsync(requests, Ct);

        Assert.Equal(2, results.Count);
        Assert.All(results, r =>
        {
            Assert.Null(r.Error);
            Assert.All(r.TokenLogProbs, p => Assert.True(double.IsFinite(p) && p <= 0, $"log-probability {p}"));
            Assert.InRange(r.ContinuationTokens, 1, r.TokenLogProbs.Count);
            Assert.True(r.Ppl > 0);
        });
        Assert.True(results[1].ContinuationTokens > results[0].ContinuationTokens, "the longer answer has more continuation tokens");
    }

    [Fact]
    public async Task CancelledCall_Stops()
    {
        await using var model = await CreateAsync();
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        if (Offers(model, ModelCapabilities.Generate))
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await model.GenerateAsync([Ask("Once upon a time", maxTokens: 64)], cancelled.Token));
        }
    }

    private static bool Offers(ILanguageModel model, ModelCapabilities capability) => model.Descriptor.Capabilities.HasFlag(capability);
}
