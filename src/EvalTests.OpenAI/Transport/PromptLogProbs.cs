using System.ClientModel.Primitives;
using System.Text.Json.Nodes;
using EvalTests.Models;
using EvalTests.OpenAI.Resilience;

namespace EvalTests.OpenAI.Transport;

/// <summary>The echoed prompt tokens of a legacy completion: text, offset (code points) and log-probability.</summary>
internal sealed record EchoedPrompt(IReadOnlyList<string> Tokens, IReadOnlyList<int> Offsets, IReadOnlyList<double?> LogProbs, int? PromptTokens)
{
    /// <summary>
    /// The prompt's own tokens (the reply also holds the one generated token): the first <c>usage.prompt_tokens</c>, or
    /// those starting inside the prompt when the server reports no usage. The continuation is the tokens starting at or
    /// after the context's end, counted back from the prompt's end so a BOS token's text does not shift the boundary.
    /// </summary>
    public LogLikelihoodResult ToLogLikelihood(string text, string context)
    {
        var textLength = text.EnumerateRunes().Count();
        var count = PromptTokens is { } n && n <= Tokens.Count
            ? n
            : Offsets.Count == Tokens.Count ? Offsets.Count(o => o < textLength) : Tokens.Count - 1;
        if (count < 1)
        {
            throw new MalformedReplyException("the completion reply echoes no prompt tokens");
        }

        var logProbs = new List<double>(count);
        for (var i = 1; i < count; i++)
        {
            logProbs.Add(LogProbs[i] ?? throw new MalformedReplyException($"token {i} of the echoed prompt has no log-probability"));
        }

        var continuation = 0;
        if (Offsets.Count == Tokens.Count)
        {
            var end = Offsets[count - 1] + Tokens[count - 1].EnumerateRunes().Count();
            var boundary = end - (textLength - context.EnumerateRunes().Count());
            continuation = Math.Min(count - 1, Offsets.Take(count).Count(o => o >= boundary));
        }

        return new LogLikelihoodResult(logProbs, continuation);
    }
}

/// <summary>
/// <c>POST /v1/completions</c> with <c>echo</c> and <c>logprobs</c>, the way vLLM and LMDeploy serve prompt
/// log-probabilities. The SDK keeps its legacy completions client internal, so the request goes through the client's
/// own pipeline (same auth, transport and timeout).
/// </summary>
internal static class PromptLogProbs
{
    public static async Task<EchoedPrompt> RequestAsync(ClientPipeline pipeline, Uri baseUrl, string model, string prompt, CancellationToken cancellationToken)
    {
        var body = new JsonObject
        {
            ["model"] = model,
            ["prompt"] = prompt,
            // One token, because some servers refuse max_tokens 0; the prompt tokens are told apart by usage.prompt_tokens.
            ["max_tokens"] = 1,
            ["temperature"] = 0,
            ["echo"] = true,
            ["logprobs"] = 0,
        };
        using var message = JsonPost.Create(pipeline, new Uri(baseUrl.ToString().TrimEnd('/') + "/completions"), body);
        message.Apply(new RequestOptions { CancellationToken = cancellationToken });
        await pipeline.SendAsync(message).ConfigureAwait(false);
        return Parse(JsonPost.Read(message.Response!));
    }

    private static EchoedPrompt Parse(JsonNode root)
    {
        var logprobs = root["choices"]?[0]?["logprobs"] as JsonObject
            ?? throw new MalformedReplyException("the completion reply has no choices[0].logprobs: the server does not serve prompt log-probabilities");
        var tokens = (logprobs["tokens"] as JsonArray)?.Select(t => t?.GetValue<string>() ?? string.Empty).ToList();
        var values = (logprobs["token_logprobs"] as JsonArray)?.Select(v => v is null ? (double?)null : v.GetValue<double>()).ToList();
        var offsets = (logprobs["text_offset"] as JsonArray)?.Select(o => o?.GetValue<int>() ?? 0).ToList();
        if (tokens is null || values is null || tokens.Count != values.Count || tokens.Count == 0)
        {
            throw new MalformedReplyException("the completion reply's logprobs lack tokens or token_logprobs of equal length");
        }

        var promptTokens = root["usage"]?["prompt_tokens"]?.GetValue<int>();
        return new EchoedPrompt(tokens, offsets ?? [], values, promptTokens);
    }
}
