using System.Text.Json.Nodes;

namespace EvalTests.Models;

/// <summary>Model results as stored JSON, for checkpoints and response caches. Only successes are ever stored.</summary>
internal static class ResultJson
{
    public static JsonObject From(GenerationResult result) => new()
    {
        ["text"] = result.Text,
        ["prompt_tokens"] = result.PromptTokens,
        ["completion_tokens"] = result.OutputTokens,
        ["finish_reason"] = result.Finish == FinishReason.Length ? "length" : "stop",
    };

    public static JsonObject From(LogLikelihoodResult result) => new()
    {
        ["logprobs"] = new JsonArray(result.TokenLogProbs.Select(v => (JsonNode)JsonValue.Create(v)).ToArray()),
        ["continuation_tokens"] = result.ContinuationTokens,
    };

    public static GenerationResult? Generation(JsonNode node) => node["text"]?.GetValue<string>() is { } text
        ? new GenerationResult(text, node["prompt_tokens"]?.GetValue<int>() ?? 0, node["completion_tokens"]?.GetValue<int>() ?? 0,
            Finish: node["finish_reason"]?.GetValue<string>() == "length" ? FinishReason.Length : FinishReason.Stop)
        : null;

    public static LogLikelihoodResult? LogLikelihood(JsonNode node) => node["logprobs"] is JsonArray values
        ? new LogLikelihoodResult(values.Select(v => v!.GetValue<double>()).ToList(), node["continuation_tokens"]?.GetValue<int>() ?? 0)
        : null;
}
