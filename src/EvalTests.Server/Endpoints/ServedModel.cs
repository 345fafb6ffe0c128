using System.Text.Json.Nodes;
using EvalTests.Models;
using EvalTests.Prompts;
using EvalTests.Server.Protocol;
using Microsoft.AspNetCore.Http;

namespace EvalTests.Server.Endpoints;

/// <summary>The one model this server serves: its id in <c>/v1/models</c>, the defaults of its requests, and what it cannot honour.</summary>
internal sealed record ServedModel(string Id, int DefaultMaxTokens, ILanguageModel Model)
{
    /// <summary>Request fields the server does not implement: refused with a 400 naming them, never silently ignored.</summary>
    private static readonly string[] Unserved = ["tools", "tool_choice", "functions", "function_call", "response_format", "logit_bias", "best_of", "suffix"];

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
        if (Unserved.FirstOrDefault(field => body[field] is not null) is { } field)
        {
            throw ApiError.BadRequest($"'{field}' is not served by this server (it serves plain text: no tools, response formats, logit biases, suffixes or best-of).", field);
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
