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
            throw ApiError.BadRequest($"'{field}' is not served by this server (it serves plain greedy text: no tools, response formats, logit biases, suffixes or best-of).", field);
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
}
