using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace EvalTests.Models;

/// <summary>Model results as stored JSON, for checkpoints and response caches. Only successes are ever stored.</summary>
public static class ResultJson
{
    /// <summary>A generation as stored JSON.</summary>
    public static JsonObject From(GenerationResult result) => (JsonObject)JsonSerializer.SerializeToNode(
        new StoredGeneration(result.Text, result.PromptTokens, result.OutputTokens, result.Finish == FinishReason.Length ? "length" : "stop"),
        StoredResultJsonContext.Default.StoredGeneration)!;

    /// <summary>A scoring as stored JSON.</summary>
    public static JsonObject From(LogLikelihoodResult result) => (JsonObject)JsonSerializer.SerializeToNode(
        new StoredScoring(result.TokenLogProbs, result.ContinuationTokens),
        StoredResultJsonContext.Default.StoredScoring)!;

    /// <summary>A stored generation, or null when the JSON is not one.</summary>
    public static GenerationResult? Generation(JsonNode node) => Typed(node, StoredResultJsonContext.Default.StoredGeneration) is { Text: { } text } stored
        ? new GenerationResult(text, stored.PromptTokens, stored.CompletionTokens, Finish: stored.FinishReason == "length" ? FinishReason.Length : FinishReason.Stop)
        : null;

    /// <summary>A stored scoring, or null when the JSON is not one.</summary>
    public static LogLikelihoodResult? LogLikelihood(JsonNode node) => Typed(node, StoredResultJsonContext.Default.StoredScoring) is { Logprobs: { } values } stored
        ? new LogLikelihoodResult(values, stored.ContinuationTokens)
        : null;

    /// <summary>The entry as <typeparamref name="T"/>, or null when it is another kind of entry (a cache holds several).</summary>
    private static T? Typed<T>(JsonNode node, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
        where T : class
    {
        try
        {
            return node is JsonObject ? node.Deserialize(type) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>A stored generation: its text, token counts and why it stopped (<c>stop</c> or <c>length</c>).</summary>
internal sealed record StoredGeneration(string? Text, int PromptTokens, int CompletionTokens, string? FinishReason);

/// <summary>A stored scoring: the continuation's per-token log-probabilities and its token count.</summary>
internal sealed record StoredScoring(IReadOnlyList<double>? Logprobs, int ContinuationTokens);

/// <summary>Checkpoint and cache entries (snake_case keys).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(StoredGeneration))]
[JsonSerializable(typeof(StoredScoring))]
internal sealed partial class StoredResultJsonContext : JsonSerializerContext;
