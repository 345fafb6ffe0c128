namespace EvalTests.Models;

/// <summary>Raw text to continue, without any chat rendering (what <c>/v1/completions</c> serves).</summary>
/// <param name="Text">The text, tokenized as it is.</param>
/// <param name="Settings">Length and stop strings.</param>
public sealed record TextCompletionRequest(string Text, GenerationSettings Settings);

/// <summary>One token of a scored text.</summary>
/// <param name="Text">The token's text (what it adds to the decoded text; empty for a special token such as BOS).</param>
/// <param name="Offset">Where the token starts in the text, in Unicode code points (OpenAI's <c>text_offset</c>).</param>
/// <param name="LogProb">log p(token | tokens before it), natural log; null for the first token, which has no context.</param>
public sealed record ScoredToken(string Text, int Offset, double? LogProb)
{
    /// <summary>The likeliest tokens at this position, likeliest first, when they were asked for (OpenAI's <c>top_logprobs</c>).</summary>
    public IReadOnlyList<TokenAlternative> Top { get; init; } = [];
}

/// <summary>A token the model could have put at a position, and its log-probability there.</summary>
/// <param name="Text">The token's text.</param>
/// <param name="LogProb">Its log-probability, natural log.</param>
public sealed record TokenAlternative(string Text, double LogProb);

/// <summary>
/// A backend that works on raw text as well as on prompts: continues a text and scores every token of a text. A server
/// needs this for OpenAI's legacy completions endpoint (with <c>echo</c> and <c>logprobs</c>, as vLLM serves it).
/// </summary>
public interface ITextCompletionModel
{
    /// <summary>The token ids of a text as the model sees it (special tokens such as BOS included).</summary>
    IReadOnlyList<int> Encode(string text);

    /// <summary>Continues each text greedily.</summary>
    ValueTask<IReadOnlyList<GenerationResult>> CompleteTextsAsync(IReadOnlyList<TextCompletionRequest> requests, CancellationToken cancellationToken = default);

    /// <summary>
    /// The tokens of each text (after any left truncation to the context length) with their log-probabilities, and each
    /// position's <paramref name="topLogProbs"/> likeliest tokens (0: none).
    /// </summary>
    ValueTask<IReadOnlyList<IReadOnlyList<ScoredToken>>> ScoreTextsAsync(IReadOnlyList<string> texts, int topLogProbs = 0, CancellationToken cancellationToken = default);
}
