using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using EvalTests.Models;
using EvalTests.Prompts;
using EvalTests.Server.Batching;
using EvalTests.Server.Protocol;
using Microsoft.AspNetCore.Http;

namespace EvalTests.Server.Endpoints;

/// <summary><c>POST /v1/chat/completions</c>: messages become prompt turns; the model's answer comes back whole or as SSE chunks.</summary>
internal static partial class ChatCompletionsEndpoint
{
    public static async Task<IResult?> HandleAsync(HttpContext http, ServedModel served, RequestBatcher batcher)
    {
        var body = await RequestJson.ReadAsync(http.Request, http.RequestAborted).ConfigureAwait(false);
        served.EnsureModel(RequestJson.OptionalString(body, "model"));
        ServedModel.EnsureServed(body);
        var choices = RequestJson.OptionalInt(body, "n", 1, ServedModel.MaxChoices) ?? 1;

        var logprobs = RequestJson.OptionalBool(body, "logprobs");
        var topLogprobs = RequestJson.OptionalInt(body, "top_logprobs", 0, 20);
        if (topLogprobs is not null && !logprobs)
        {
            throw ApiError.BadRequest("top_logprobs needs logprobs: true.", "top_logprobs");
        }

        // The .NET SDK sends max_completion_tokens, older clients max_tokens.
        var maxTokensParam = body["max_completion_tokens"] is not null ? "max_completion_tokens" : "max_tokens";
        var maxTokens = RequestJson.OptionalInt(body, "max_completion_tokens", 1, int.MaxValue)
                        ?? RequestJson.OptionalInt(body, "max_tokens", 1, int.MaxValue)
                        ?? served.DefaultMaxTokens;
        var stops = RequestJson.StringOrArray(body, "stop");
        var prompt = Prompt.FromChat(Turns(body));
        served.EnsureFits(prompt, maxTokens, maxTokensParam);
        var stream = RequestJson.OptionalBool(body, "stream");
        var includeUsage = body["stream_options"] is JsonObject streamOptions && RequestJson.OptionalBool(streamOptions, "include_usage");

        if (stream && choices > 1)
        {
            throw ApiError.BadRequest("stream with n > 1 is not served; ask for the choices without streaming.", "n");
        }

        if (stream && logprobs)
        {
            throw ApiError.BadRequest("stream with logprobs is not served; ask for the log-probabilities without streaming.", "logprobs");
        }

        var settings = new GenerationSettings(maxTokens, stops) { Sampling = ServedModel.Sampling(body), LogProbs = logprobs ? topLogprobs ?? 0 : null };
        var results = await Task.WhenAll(batcher.GenerateAsync([.. Enumerable.Range(0, choices).Select(i => new GenerationRequest(prompt, ServedModel.ForChoice(settings, i)))], http.RequestAborted)).ConfigureAwait(false);
        if (results.FirstOrDefault(r => r.Error is not null)?.Error is { } error)
        {
            throw ApiError.ServerFailure(error);
        }

        var result = results[0];

        var id = "chatcmpl-" + Guid.NewGuid().ToString("N");
        var created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var finish = result.Finish == FinishReason.Length ? "length" : "stop";
        if (!stream)
        {
            return Results.Json(new JsonObject
            {
                ["id"] = id,
                ["object"] = "chat.completion",
                ["created"] = created,
                ["model"] = served.Id,
                ["choices"] = new JsonArray([.. results.Select((choice, i) => (JsonNode)new JsonObject
                {
                    ["index"] = i,
                    ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = choice.Text },
                    ["logprobs"] = logprobs ? LogProbs(choice) : null,
                    ["finish_reason"] = choice.Finish == FinishReason.Length ? "length" : "stop",
                })]),
                ["usage"] = new JsonObject
                {
                    ["prompt_tokens"] = result.PromptTokens,
                    ["completion_tokens"] = results.Sum(r => r.OutputTokens),
                    ["total_tokens"] = result.PromptTokens + results.Sum(r => r.OutputTokens),
                },
            });
        }

        await ServerSentEvents.StartAsync(http.Response).ConfigureAwait(false);
        JsonObject Chunk(JsonObject delta, string? finishReason) => new()
        {
            ["id"] = id,
            ["object"] = "chat.completion.chunk",
            ["created"] = created,
            ["model"] = served.Id,
            ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["delta"] = delta, ["logprobs"] = null, ["finish_reason"] = finishReason }),
        };

        await ServerSentEvents.WriteAsync(http.Response, Chunk(new JsonObject { ["role"] = "assistant", ["content"] = string.Empty }, null), http.RequestAborted).ConfigureAwait(false);
        foreach (Match piece in Words().Matches(result.Text))
        {
            await ServerSentEvents.WriteAsync(http.Response, Chunk(new JsonObject { ["content"] = piece.Value }, null), http.RequestAborted).ConfigureAwait(false);
        }

        await ServerSentEvents.WriteAsync(http.Response, Chunk(new JsonObject(), finish), http.RequestAborted).ConfigureAwait(false);
        if (includeUsage)
        {
            await ServerSentEvents.WriteAsync(http.Response, new JsonObject
            {
                ["id"] = id,
                ["object"] = "chat.completion.chunk",
                ["created"] = created,
                ["model"] = served.Id,
                ["choices"] = new JsonArray(),
                ["usage"] = Usage(result),
            }, http.RequestAborted).ConfigureAwait(false);
        }

        await ServerSentEvents.DoneAsync(http.Response, http.RequestAborted).ConfigureAwait(false);
        return null;
    }

    /// <summary>OpenAI's chat shape: per generated token its text, log-probability, UTF-8 bytes and likeliest alternatives.</summary>
    private static JsonObject LogProbs(GenerationResult result) => new()
    {
        ["content"] = new JsonArray([.. (result.Tokens ?? []).Select(t => (JsonNode)new JsonObject
        {
            ["token"] = t.Text,
            ["logprob"] = t.LogProb,
            ["bytes"] = Bytes(t.Text),
            ["top_logprobs"] = new JsonArray([.. t.Top.Select(a => (JsonNode)new JsonObject { ["token"] = a.Text, ["logprob"] = a.LogProb, ["bytes"] = Bytes(a.Text) })]),
        })]),
        ["refusal"] = null,
    };

    private static JsonArray Bytes(string text) => new([.. System.Text.Encoding.UTF8.GetBytes(text).Select(b => (JsonNode)JsonValue.Create((int)b))]);

    private static JsonObject Usage(GenerationResult result) => new()
    {
        ["prompt_tokens"] = result.PromptTokens,
        ["completion_tokens"] = result.OutputTokens,
        ["total_tokens"] = result.PromptTokens + result.OutputTokens,
    };

    private static IEnumerable<PromptTurn> Turns(JsonObject body)
    {
        if (body["messages"] is not JsonArray { Count: > 0 } messages)
        {
            throw ApiError.BadRequest("'messages' must be a non-empty array of {role, content} objects.", "messages");
        }

        for (var i = 0; i < messages.Count; i++)
        {
            var field = string.Create(CultureInfo.InvariantCulture, $"messages[{i}]");
            if (messages[i] is not JsonObject message)
            {
                throw ApiError.BadRequest($"'{field}' must be an object with role and content.", field);
            }

            var role = RequestJson.OptionalString(message, "role") switch
            {
                "system" or "developer" => TurnRole.System,
                "user" => TurnRole.Human,
                "assistant" => TurnRole.Bot,
                var other => throw ApiError.BadRequest($"'{field}.role' is '{other}'; expected system, developer, user or assistant.", field + ".role"),
            };
            yield return new PromptTurn(role, Content(message["content"], field + ".content"));
        }
    }

    private static string Content(JsonNode? content, string field) => content switch
    {
        null => string.Empty,
        JsonValue value when value.TryGetValue<string>(out var text) => text,
        JsonArray parts => string.Concat(parts.Select((part, k) => part is JsonObject { } p && p["type"]?.GetValue<string>() == "text" && p["text"] is JsonValue t && t.TryGetValue<string>(out var s)
            ? s
            : throw ApiError.BadRequest(string.Create(CultureInfo.InvariantCulture, $"'{field}[{k}]' must be a text part ({{\"type\": \"text\", \"text\": …}})."), field))),
        _ => throw ApiError.BadRequest($"'{field}' must be a string or an array of text parts.", field),
    };

    /// <summary>Stream pieces: a word with the spaces after it, so the chunks concatenate to the text.</summary>
    [GeneratedRegex(@"\S+\s*|\s+")]
    private static partial Regex Words();
}
