using EvalTests.Models;
using EvalTests.Prompts;

namespace EvalTests.TestSupport;

/// <summary>A language model whose answers are scripted: the fake every runner and front-end test uses.</summary>
public sealed class ScriptedLanguageModel : ILanguageModel, ITokenCounter, IBatchCapacity
{
    private readonly Func<Prompt, string>? _generate;
    private readonly Func<Prompt, double>? _ppl;
    private readonly Func<Prompt, IReadOnlyList<double>>? _tokenLogProbs;

    /// <summary>Creates the fake; a null script means the capability is absent.</summary>
    public ScriptedLanguageModel(Func<Prompt, string>? generate, Func<Prompt, double>? ppl = null, string abbr = "scripted", int? maxSequenceLength = null)
    {
        _generate = generate;
        _ppl = ppl;
        Descriptor = new ModelDescriptor(abbr, "scripted:v1", maxSequenceLength,
            (generate is null ? ModelCapabilities.None : ModelCapabilities.Generate) | (ppl is null ? ModelCapabilities.None : ModelCapabilities.LogLikelihood));
    }

    /// <summary>A scoring-only fake whose script gives each prompt's per-token log-probabilities (every token after the first).</summary>
    public ScriptedLanguageModel(Func<Prompt, IReadOnlyList<double>> tokenLogProbs, string abbr = "scripted")
        : this(null, _ => double.NaN, abbr) => _tokenLogProbs = tokenLogProbs;

    /// <inheritdoc/>
    public ModelDescriptor Descriptor { get; }

    /// <summary>The size of every batch received, in order.</summary>
    public List<int> Batches { get; } = [];

    /// <summary>Prompts whose generation throws, to simulate a failing backend.</summary>
    public Func<Prompt, bool> Fails { get; init; } = _ => false;

    /// <summary>Awaited with the call's token before a generation batch is answered: holds the model busy in a spec.</summary>
    public Func<IReadOnlyList<GenerationRequest>, CancellationToken, Task>? BeforeAnswering { get; init; }

    /// <summary>Every prompt asked for a generation, in order, as plain text.</summary>
    public List<string> Asked { get; } = [];

    /// <inheritdoc/>
    public int CountTokens(Prompt prompt) => prompt.ToPlainText().Length;

    /// <summary>The largest batch for a request length (<c>--batch-size auto</c>); the limit when unset.</summary>
    public Func<int, int>? Capacity { get; init; }

    /// <summary>The (prompt tokens, new tokens, limit) of every capacity question, in order.</summary>
    public List<(int PromptTokens, int NewTokens, int Limit)> CapacityQuestions { get; } = [];

    /// <inheritdoc/>
    public int LargestBatch(int promptTokens, int newTokens, int limit, CancellationToken cancellationToken = default)
    {
        CapacityQuestions.Add((promptTokens, newTokens, limit));
        return Capacity?.Invoke(promptTokens + newTokens) ?? limit;
    }

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<GenerationResult>> GenerateAsync(IReadOnlyList<GenerationRequest> requests, CancellationToken cancellationToken = default) =>
        BeforeAnswering is { } wait ? new(AnswerAfterAsync(wait, requests, cancellationToken)) : Answer(requests);

    private async Task<IReadOnlyList<GenerationResult>> AnswerAfterAsync(Func<IReadOnlyList<GenerationRequest>, CancellationToken, Task> wait, IReadOnlyList<GenerationRequest> requests, CancellationToken cancellationToken)
    {
        await wait(requests, cancellationToken).ConfigureAwait(false);
        return await Answer(requests).ConfigureAwait(false);
    }

    private ValueTask<IReadOnlyList<GenerationResult>> Answer(IReadOnlyList<GenerationRequest> requests)
    {
        Batches.Add(requests.Count);
        lock (Asked)
        {
            Asked.AddRange(requests.Select(r => r.Prompt.ToPlainText()));
        }

        if (requests.Any(r => Fails(r.Prompt)))
        {
            throw new HttpRequestException("scripted failure: 500 Internal Server Error");
        }

        return ValueTask.FromResult<IReadOnlyList<GenerationResult>>(requests.Select(r => new GenerationResult(_generate!(r.Prompt), 0, 1)).ToList());
    }

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<LogLikelihoodResult>> LogLikelihoodAsync(IReadOnlyList<LogLikelihoodRequest> requests, CancellationToken cancellationToken = default)
    {
        Batches.Add(requests.Count);
        // Two input tokens, one of them predicted: its log-probability is -2 × PPL (OpenCompass divides by both tokens).
        return ValueTask.FromResult<IReadOnlyList<LogLikelihoodResult>>(requests.Select(r => _tokenLogProbs is not null
            ? new LogLikelihoodResult(_tokenLogProbs(r.Prompt), 1)
            : new LogLikelihoodResult([-2 * _ppl!(r.Prompt)], 1)).ToList());
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
