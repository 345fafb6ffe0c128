using System.Text.Json.Nodes;

namespace EvalTests.Models;

/// <summary>Model results as stored JSON, for checkpoints and response caches. Only successes are ever stored.</summary>
public static class ResultJson
{
    /// <summary>A generation as stored JSON.</summary>
    public static JsonObject From(GenerationResult result) => new()
    {
        ["text"] = result.Text,
        ["prompt_tokens"] = result.PromptTokens,
        ["completion_tokens"] = result.OutputTokens,
        ["finish_reason"] = result.Finish == FinishReason.Length ? "length" : "stop",
    };

    /// <summary>A scoring as stored JSON.</summary>
    public static JsonObject From(LogLikelihoodResult result) => new()
    {
        ["logprobs"] = new JsonArray(result.TokenLogProbs.Select(v => (JsonNode)JsonValue.Create(v)).ToArray()),
        ["continuation_tokens"] = result.ContinuationTokens,
    };

    /// <summary>A stored generation, or null when the JSON is not one.</summary>
    public static GenerationResult? Generation(JsonNode node) => node["text"]?.GetValue<string>() is { } text
        ? new GenerationResult(text, node["prompt_tokens"]?.GetValue<int>() ?? 0, node["completion_tokens"]?.GetValue<int>() ?? 0,
            Finish: node["finish_reason"]?.GetValue<string>() == "length" ? FinishReason.Length : FinishReason.Stop)
        : null;

    /// <summary>A stored scoring, or null when the JSON is not one.</summary>
    public static LogLikelihoodResult? LogLikelihood(JsonNode node) => node["logprobs"] is JsonArray values
        ? new LogLikelihoodResult(values.Select(v => v!.GetValue<double>()).ToList(), node["continuation_tokens"]?.GetValue<int>() ?? 0)
        : null;
}
