using System.Text.Json.Nodes;

namespace EvalTests.Runs.RunFolder;

internal static class JsonScore
{
    /// <summary>A score as JSON: null where there is none (missing, or NaN when nothing could be scored), as JSON has no NaN.</summary>
    public static JsonNode? FiniteOrNull(double? value) => value is { } v && double.IsFinite(v) ? JsonValue.Create(v) : null;
}
