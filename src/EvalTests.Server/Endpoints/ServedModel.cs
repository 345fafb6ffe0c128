using System.Text.Json.Nodes;
using EvalTests.Models;
using EvalTests.Prompts;
using EvalTests.Server.Protocol;
using Microsoft.AspNetCore.Http;

namespace EvalTests.Server.Endpoints;

/// <summary>The one model this server serves: its id in <c>/v1/models</c>, the defaults of its requests, and what it cannot honour.</summary>
internal sealed record ServedModel(string Id, int DefaultMaxTokens, ILanguageModel Model)
{
    /// <summary>
    /// Request fields the server does not implement, each with the values that ask for nothing (a client library's
    /// defaults, e.g. <c>best_of: 1</c>, <c>logit_bias: {}</c>, penalties of 0): those are honoured as they are; any other
    /// value is refused with a 400 naming the field, never silently ignored.
    /// </summary>
    private static readonly (string Field, Func<JsonNode, JsonObject, bool> AsksNothing)[] Unserved =
    [
        ("tools", (v, _) => v is JsonArray { Count: 0 }),
        ("functions", (v, _) => v is JsonArray { Count: 0 }),
        ("tool_choice", (v, _) => IsString(v, "none")),
        ("function_call", (v, _) => IsString(v, "none")),
        ("response_format", (v, _) => v is JsonObject format && IsString(format["type"], "text")),
        ("logit_bias", (v, _) => v is JsonObject { Count: 0 }),
        ("best_of", (v, body) => v is JsonValue best && best.TryGetValue<double>(out var n) && (n == 1 || n == (body["n"] is JsonValue c && c.TryGetValue<double>(out var choices) ? choices : 1))),
        ("suffix", (v, _) => IsString(v, string.Empty)),
        ("frequency_penalty", (v, _) => IsZero(v)),
        ("presence_penalty", (v, _) => IsZero(v)),
        ("repetition_penalty", (v, _) => v is JsonValue r && r.TryGetValue<double>(out var penalty) && penalty == 1),
    ];

    private static bool IsString(JsonNode? node, string expected) => node is JsonValue value && value.TryGetValue<string>(out var text) && text == expected;

    private static bool IsZero(JsonNode node) => node is JsonValue value && value.TryGetValue<double>(out var number) && number == 0;

    /// <summary>A request may omit the model or name this one; another name is a 404, as OpenAI answers it.</summary>
    public void EnsureModel(string? requested)
    {
        if (requested is not null && !string.Equals(requested, Id, StringComparison.Ordinal))
        {
            throw new ApiError(StatusCodes.Status404NotFound, $"The model '{requested}' does not exist; this server serves '{Id}'.", param: "model", code: "model_not_found");
        }
    }

    /// <summary>Refuses a request that sets a field this server does not implement.</summary>
    public static void EnsureServed(JsonObject body)
    {
        if (Unserved.FirstOrDefault(u => body[u.Field] is { } value && !u.AsksNothing(value, body)) is { Field: { } field })
        {
            throw ApiError.BadRequest($"'{field}' is not served by this server (it serves plain text: no tools, response formats, logit biases, penalties, suffixes or best-of); only its value that asks for nothing is accepted.", field);
        }
    }

    /// <summary>
    /// Refuses a prompt whose tokens and the requested new tokens pass the context, as vLLM does, instead of cutting the
    /// prompt (a backend's own truncation would answer a different question).
    /// </summary>
    public void EnsureFits(int promptTokens, int maxTokens, string param)
    {
        if (Model.Descriptor.MaxSequenceLength is { } context && promptTokens + maxTokens > context)
        {
            throw ApiError.BadRequest($"This model's maximum context length is {context} tokens. However, you requested {promptTokens + maxTokens} tokens ({promptTokens} in the prompt, {maxTokens} in the completion). Please reduce the length of the prompt or of {param}.", param);
        }
    }

    /// <summary>Refuses a chat prompt that does not fit with its new tokens (when the model can count them).</summary>
    public void EnsureFits(Prompt prompt, int maxTokens, string param)
    {
        if (Model.TokenCounter is { } counter)
        {
            EnsureFits(counter.CountTokens(prompt), maxTokens, param);
        }
    }

    /// <summary>The most choices (<c>n</c>) one request may ask for.</summary>
    public const int MaxChoices = 16;

    /// <summary>
    /// The request's sampling (<c>temperature</c>, <c>top_p</c>, vLLM's <c>top_k</c>, <c>seed</c>); null decodes greedily.
    /// A request that sets no temperature is decoded greedily, as evaluations need (OpenAI's default of 1 is not assumed).
    /// </summary>
    public static SamplingSettings? Sampling(JsonObject body)
    {
        var temperature = RequestJson.OptionalNumber(body, "temperature", 0, 2) ?? 0;
        var topP = RequestJson.OptionalNumber(body, "top_p", double.Epsilon, 1) ?? 1;
        var topK = RequestJson.OptionalInt(body, "top_k", -1, int.MaxValue) ?? 0;
        long? seed = body["seed"] is null ? null : body["seed"] is JsonValue value && value.TryGetValue<double>(out var number) && number == Math.Floor(number) && Math.Abs(number) < 1e15
            ? (long)number
            : throw ApiError.BadRequest("'seed' must be an integer.", "seed");
        return temperature == 0 ? null : new SamplingSettings(temperature, topP, topK is -1 ? 0 : topK, seed);
    }

    /// <summary>The settings of choice <paramref name="index"/>: with a seed, each choice draws from its own (seed + index), so all are reproducible.</summary>
    public static GenerationSettings ForChoice(GenerationSettings settings, int index) =>
        settings.Sampling is { Seed: { } seed } sampling ? settings with { Sampling = sampling with { Seed = seed + index } } : settings;
}
