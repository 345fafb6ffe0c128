using EvalTests.Prompts;

namespace EvalTests.Models;

/// <summary>What a backend can do, so that a mode it cannot serve is refused rather than faked.</summary>
[Flags]
public enum ModelCapabilities
{
    /// <summary>Nothing.</summary>
    None = 0,

    /// <summary>Generates text (gen mode).</summary>
    Generate = 1,

    /// <summary>Scores the log-likelihood of a prompt (ppl mode).</summary>
    LogLikelihood = 2,
}

/// <summary>Who a model is, for reports and for deciding whether two scores are comparable.</summary>
/// <param name="Abbr">The short name in summaries and output folders (OpenCompass's model abbr).</param>
/// <param name="Identity">What pins the exact weights or endpoint (e.g. <c>onnx:sha256:…</c>).</param>
/// <param name="MaxSequenceLength">The context length in tokens, when known.</param>
/// <param name="Capabilities">What the backend can do.</param>
public sealed record ModelDescriptor(string Abbr, string Identity, int? MaxSequenceLength, ModelCapabilities Capabilities)
{
    /// <summary>Why a capability is missing, when the backend knows (shown when a mode is refused).</summary>
    public string? Limitations { get; init; }
}

/// <summary>How to generate.</summary>
/// <param name="MaxOutputTokens">The most tokens to generate (OpenCompass <c>max_out_len</c>).</param>
/// <param name="StopStrings">Generation ends when the text contains one of these (it is cut before it).</param>
public sealed record GenerationSettings(int MaxOutputTokens, IReadOnlyList<string> StopStrings)
{
    /// <summary>How the next token is chosen; null (or a temperature of 0) is greedy, OpenCompass's default.</summary>
    public SamplingSettings? Sampling { get; init; }

    /// <summary>Whether tokens are sampled rather than chosen greedily.</summary>
    public bool IsSampled => Sampling is { Temperature: > 0 };

    /// <summary>
    /// When set, each generated token comes back with its log-probability under the model (before any sampling
    /// warp) and its <c>LogProbs</c> likeliest alternatives (0: none), as OpenAI's <c>logprobs</c>/<c>top_logprobs</c>.
    /// </summary>
    public int? LogProbs { get; init; }

    /// <inheritdoc/>
    public bool Equals(GenerationSettings? other) =>
        other is not null && MaxOutputTokens == other.MaxOutputTokens && StopStrings.SequenceEqual(other.StopStrings) && Equals(Sampling, other.Sampling) && LogProbs == other.LogProbs;

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(MaxOutputTokens, StopStrings.Count, Sampling, LogProbs);
}

/// <summary>
/// Sampling, as Hugging Face's and vLLM's generation kwargs (OpenCompass's <c>generation_kwargs</c>): logits divided by
/// the temperature, then only the <paramref name="TopK"/> likeliest tokens (0: all), then the smallest set whose
/// probability reaches <paramref name="TopP"/>; a <paramref name="Seed"/> makes a request's draw reproducible, whatever
/// else shares its batch.
/// </summary>
/// <param name="Temperature">Above 0 to sample; 0 is greedy.</param>
/// <param name="TopP">Nucleus sampling, in (0, 1].</param>
/// <param name="TopK">The likeliest tokens kept; 0 (or -1, as vLLM writes it) keeps all.</param>
/// <param name="Seed">The random seed; null draws one.</param>
public sealed record SamplingSettings(double Temperature, double TopP = 1, int TopK = 0, long? Seed = null)
{
    /// <summary>The settings' mistakes, as "name: what was expected"; empty when they are valid.</summary>
    public IEnumerable<string> Problems()
    {
        if (Temperature is < 0 or > 100 || double.IsNaN(Temperature))
        {
            yield return $"temperature: {Temperature} is not allowed; expected 0 (greedy) or more";
        }

        if (TopP is <= 0 or > 1 || double.IsNaN(TopP))
        {
            yield return $"top_p: {TopP} is not allowed; expected more than 0 and at most 1";
        }

        if (TopK < -1)
        {
            yield return $"top_k: {TopK} is not allowed; expected -1 or 0 (all tokens) or a positive count";
        }
    }
}

/// <summary>One prompt to complete greedily.</summary>
/// <param name="Prompt">The turns; the last (empty) BOT turn is where the answer goes.</param>
/// <param name="Settings">Length and stop strings.</param>
public sealed record GenerationRequest(Prompt Prompt, GenerationSettings Settings);

/// <summary>Why generation ended.</summary>
public enum FinishReason
{
    /// <summary>An end-of-sequence token or a stop string.</summary>
    Stop,

    /// <summary>The token limit.</summary>
    Length,
}

/// <summary>A completion, or the error that prevented it.</summary>
/// <param name="Text">The generated text (empty on error).</param>
/// <param name="PromptTokens">Tokens fed to the model.</param>
/// <param name="OutputTokens">Tokens generated.</param>
/// <param name="Error">Why no text came back, when it did not.</param>
/// <param name="Finish">Why generation ended.</param>
public sealed record GenerationResult(string Text, int PromptTokens, int OutputTokens, string? Error = null, FinishReason Finish = FinishReason.Stop)
{
    /// <summary>The generated tokens with their log-probabilities, when <see cref="GenerationSettings.LogProbs"/> asked for them.</summary>
    public IReadOnlyList<ScoredToken>? Tokens { get; init; }
}

/// <summary>A prompt whose last turn is the continuation being scored.</summary>
/// <param name="Prompt">The full prompt.</param>
public sealed record LogLikelihoodRequest(Prompt Prompt);

/// <summary>
/// Per-token log-probabilities of a scored prompt: every token after the first that the model saw, in order
/// (after any left truncation to the context length).
/// </summary>
/// <param name="TokenLogProbs">log p(token | tokens before it), natural log.</param>
/// <param name="ContinuationTokens">How many of the last entries belong to the continuation.</param>
/// <param name="Error">Why scoring failed, when it did.</param>
public sealed record LogLikelihoodResult(IReadOnlyList<double> TokenLogProbs, int ContinuationTokens, string? Error = null)
{
    /// <summary>
    /// OpenCompass's PPL value (its Hugging Face models' <c>get_ppl</c>): the summed cross-entropy of the predicted
    /// tokens divided by the number of input tokens, the first one (BOS, where the tokenizer adds it) included — so it
    /// is not the mean over the predicted tokens, and continuations of different lengths compare as in OpenCompass.
    /// </summary>
    public double Ppl => PplMasked(maskLength: 0);

    /// <summary>
    /// A result carrying only a recorded PPL (eval mode re-scores a predictions file): one predicted token of two input
    /// tokens, so its <see cref="Ppl"/> is exactly <paramref name="ppl"/>.
    /// </summary>
    public static LogLikelihoodResult FromPpl(double ppl) => new([-2 * ppl], 0);

    /// <summary>
    /// PPL with OpenCompass's <c>mask_length</c> (set where a normalizing string applies): the losses of the first
    /// <c>maskLength − 1</c> predicted tokens are dropped and <c>maskLength</c> is taken off the token count.
    /// </summary>
    public double PplMasked(int maskLength)
    {
        var inputTokens = TokenLogProbs.Count + 1;
        if (TokenLogProbs.Count == 0 || maskLength >= inputTokens)
        {
            return double.NaN;
        }

        // A plain loop, in order (the same sum as LINQ's): it runs for every option of every question.
        var sum = 0.0;
        for (var t = Math.Max(0, maskLength - 1); t < TokenLogProbs.Count; t++)
        {
            sum += TokenLogProbs[t];
        }

        return -sum / (inputTokens - maskLength);
    }

    /// <summary>The summed log-likelihood of the continuation (lm-evaluation-harness's loglikelihood).</summary>
    public double ContinuationLogLikelihood => TokenLogProbs.Skip(TokenLogProbs.Count - ContinuationTokens).Sum();
}

/// <summary>
/// A language model under evaluation. Calls are batched: the runner hands over many requests at once and the
/// backend decides how to pack them.
/// </summary>
public interface ILanguageModel : IAsyncDisposable
{
    /// <summary>Name, identity, context length and capabilities.</summary>
    ModelDescriptor Descriptor { get; }

    /// <summary>Completes each prompt greedily.</summary>
    ValueTask<IReadOnlyList<GenerationResult>> GenerateAsync(IReadOnlyList<GenerationRequest> requests, CancellationToken cancellationToken = default);

    /// <summary>
    /// Counts a prompt's tokens, so in-context examples can be dropped to fit the context (null when the backend cannot
    /// count); by default the model itself when it is an <see cref="ITokenCounter"/>.
    /// </summary>
    ITokenCounter? TokenCounter => this as ITokenCounter;

    /// <summary>Scores each prompt's tokens.</summary>
    ValueTask<IReadOnlyList<LogLikelihoodResult>> LogLikelihoodAsync(IReadOnlyList<LogLikelihoodRequest> requests, CancellationToken cancellationToken = default);
}
