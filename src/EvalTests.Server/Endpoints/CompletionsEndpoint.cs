using System.Text.Json.Nodes;
using EvalTests.Models;
using EvalTests.Server.Batching;
using EvalTests.Server.Protocol;
using Microsoft.AspNetCore.Http;

namespace EvalTests.Server.Endpoints;

/// <summary>
/// <c>POST /v1/completions</c> (OpenAI's legacy endpoint, as vLLM serves it): raw text in, text out; with <c>echo</c> the
/// prompt comes back too, and with <c>logprobs</c> every returned token carries its log-probability, so a client can
/// score a prompt (ppl mode).
/// </summary>
internal static class CompletionsEndpoint
{
    public static async Task<IResult> HandleAsync(HttpContext http, ServedModel served, RequestBatcher batcher)
    {
        var body = await RequestJson.ReadAsync(http.Request, http.RequestAborted).ConfigureAwait(false);
        served.EnsureModel(RequestJson.OptionalString(body, "model"));
        ServedModel.EnsureServed(body);
        if (!batcher.ServesText)
        {
            throw ApiError.BadRequest($"The model '{served.Id}' serves chat only; /v1/completions needs a backend that works on raw text.");
        }

        if (body["prompt"] is JsonArray array && array.Any(p => p is not JsonValue v || !v.TryGetValue<string>(out _)))
        {
            throw ApiError.BadRequest("'prompt' must be a string or an array of strings (token-id prompts are not served).", "prompt");
        }

        var prompts = RequestJson.StringOrArray(body, "prompt");
        if (prompts.Count == 0)
        {
            throw ApiError.BadRequest("'prompt' is required.", "prompt");
        }

        var n = RequestJson.OptionalInt(body, "n", 1, ServedModel.MaxChoices) ?? 1;
        if (prompts.Count * n > batcher.Capacity)
        {
            throw ApiError.BadRequest($"'prompt' and 'n' ask for {prompts.Count * n} completions; this server queues at most {batcher.Capacity} at once (serve --max-queue).", "prompt");
        }

        if (RequestJson.OptionalBool(body, "stream"))
        {
            throw ApiError.BadRequest("stream is not served on /v1/completions; use /v1/chat/completions.", "stream");
        }

        // OpenAI's default for this endpoint is 16 tokens.
        var maxTokens = RequestJson.OptionalInt(body, "max_tokens", 0, int.MaxValue) ?? 16;
        var echo = RequestJson.OptionalBool(body, "echo");
        // OpenAI's legacy endpoint takes up to 5: each token's log-probability and that many likeliest alternatives.
        var logprobs = RequestJson.OptionalInt(body, "logprobs", 0, 5);

        if (maxTokens == 0 && !echo)
        {
            throw ApiError.BadRequest("max_tokens 0 only makes sense with echo.", "max_tokens");
        }

        var stops = RequestJson.StringOrArray(body, "stop");
        var settings = new GenerationSettings(Math.Max(1, maxTokens), stops) { Sampling = ServedModel.Sampling(body), LogProbs = logprobs };
        // OpenAI numbers the choices prompt by prompt: prompt p's choice j is choice p·n + j.
        var asked = prompts.SelectMany(p => Enumerable.Range(0, n).Select(j => (Prompt: p, Choice: j))).ToList();
        if (served.Model is ITextCompletionModel text)
        {
            foreach (var prompt in prompts)
            {
                served.EnsureFits(text.Encode(prompt).Count, maxTokens, "max_tokens");
            }
        }

        // Every prompt of the request joins the batch at once; the batcher packs them with other clients' requests.
        var aborted = http.RequestAborted;
        var generations = maxTokens == 0
            ? asked.Select(_ => Task.FromResult<GenerationResult?>(null)).ToArray()
            : batcher.CompleteAsync([.. asked.Select(a => new TextCompletionRequest(a.Prompt, ServedModel.ForChoice(settings, a.Choice)))], aborted).Select(async t => (GenerationResult?)await t.ConfigureAwait(false)).ToArray();
        var echoes = logprobs is not null && echo ? asked.Select(a => batcher.ScoreAsync(a.Prompt, logprobs.Value, aborted)).ToArray() : null;
        await Task.WhenAll(generations).ConfigureAwait(false);
        if (echoes is not null)
        {
            await Task.WhenAll(echoes).ConfigureAwait(false);
        }

        var choices = new JsonArray();
        long promptTokens = 0, completionTokens = 0;
        for (var i = 0; i < asked.Count; i++)
        {
            var generated = generations[i].Result;
            if (generated?.Error is { } error)
            {
                throw ApiError.ServerFailure(error);
            }

            var echoed = echoes?[i].Result;
            // A prompt's tokens count once, however many choices it has.
            promptTokens += asked[i].Choice == 0 ? echoed?.Count ?? generated?.PromptTokens ?? 0 : 0;
            completionTokens += generated?.OutputTokens ?? 0;
            var choice = new JsonObject
            {
                ["index"] = i,
                ["text"] = (echo ? asked[i].Prompt : string.Empty) + (generated?.Text ?? string.Empty),
                ["logprobs"] = null,
                ["finish_reason"] = generated is null ? "length" : generated.Finish == FinishReason.Length ? "length" : "stop",
            };
            if (logprobs is not null)
            {
                // The generated tokens come with the generation itself (their offsets count from its start).
                var shift = echo ? asked[i].Prompt.EnumerateRunes().Count() : 0;
                var tokens = (echoed ?? []).Concat((generated?.Tokens ?? []).Select(t => t with { Offset = t.Offset + shift })).ToList();
                choice["logprobs"] = new JsonObject
                {
                    ["tokens"] = new JsonArray(tokens.Select(t => (JsonNode)JsonValue.Create(t.Text)).ToArray()),
                    ["token_logprobs"] = new JsonArray(tokens.Select(t => t.LogProb is { } v ? (JsonNode)JsonValue.Create(v) : null).ToArray()),
                    ["text_offset"] = new JsonArray(tokens.Select(t => (JsonNode)JsonValue.Create(t.Offset)).ToArray()),
                    // OpenAI's shape: per token a {token: logprob} map of the alternatives; none for a token without context.
                    ["top_logprobs"] = logprobs > 0
                        ? new JsonArray(tokens.Select(t => t.LogProb is null ? null : (JsonNode)Alternatives(t)).ToArray())
                        : null,
                };
            }

            choices.Add(choice);
        }

        return Results.Json(new JsonObject
        {
            ["id"] = "cmpl-" + Guid.NewGuid().ToString("N"),
            ["object"] = "text_completion",
            ["created"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            ["model"] = served.Id,
            ["choices"] = choices,
            ["usage"] = new JsonObject
            {
                ["prompt_tokens"] = promptTokens,
                ["completion_tokens"] = completionTokens,
                ["total_tokens"] = promptTokens + completionTokens,
            },
        });
    }

    private static JsonObject Alternatives(ScoredToken token)
    {
        var map = new JsonObject();
        foreach (var alternative in token.Top)
        {
            // Two ids may decode to the same text; the likelier one is kept, as a map can hold one.
            map.TryAdd(alternative.Text, alternative.LogProb);
        }

        return map;
    }
}
