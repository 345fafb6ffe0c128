using System.Text.Json.Nodes;

namespace EvalTests.Runs.RunFolder;

internal static class JsonScore
{
    /// <summary>A score as JSON: null where there is none (missing, or NaN when nothing could be scored), as JSON has no NaN.</summary>
    public static JsonNode? FiniteOrNull(double? value) => Finite(value) is { } v ? JsonValue.Create(v) : null;

    /// <summary>The value where it is finite, else null (a typed record's score field).</summary>
    public static double? Finite(double? value) => value is { } v && double.IsFinite(v) ? v : null;
}
