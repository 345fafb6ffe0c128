using System.Text.Json;
using System.Text.Json.Nodes;

namespace EvalTests.Reporting;

/// <summary>
/// Summary groups written as OpenCompass's <c>summary_groups</c> entries, in JSON:
/// <c>[{"name": "stem", "subsets": ["ceval-law", …], "weights": {"ceval-law": 2, …}}, …]</c>, with <c>"sum": true</c>,
/// <c>"harmonic_mean": true</c> or <c>"std": true</c> for the other metrics (the first of std, sum, weights,
/// harmonic_mean that is set wins, as upstream).
/// </summary>
public static class SummaryGroupsJson
{
    /// <summary>Reads the groups; a mistake names the source, the JSON path and what was expected.</summary>
    /// <exception cref="InvalidDataException">The text is not a list of summary groups.</exception>
    public static IReadOnlyList<SummaryGroup> Parse(string json, string source)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{source}: not valid JSON (line {ex.LineNumber + 1}): {ex.Message}", ex);
        }

        if (root is not JsonArray groups)
        {
            throw Invalid(source, "$", "a list of groups [{\"name\": …, \"subsets\": […]}]");
        }

        return [.. groups.Select((node, i) => Group(node, $"$[{i}]", source))];
    }

    private static SummaryGroup Group(JsonNode? node, string at, string source)
    {
        if (node is not JsonObject group)
        {
            throw Invalid(source, at, "an object {\"name\": …, \"subsets\": […]}");
        }

        foreach (var (key, _) in group)
        {
            if (key is not ("name" or "subsets" or "weights" or "sum" or "harmonic_mean" or "std"))
            {
                throw Invalid(source, $"{at}.{key}", "one of name, subsets, weights, sum, harmonic_mean, std");
            }
        }

        var name = group["name"] is JsonValue n && n.TryGetValue<string>(out var text) && text.Length > 0 ? text : throw Invalid(source, $"{at}.name", "the group's name");
        var subsets = group["subsets"] is JsonArray list && list.Count > 0
            ? list.Select((s, i) => s is JsonValue v && v.TryGetValue<string>(out var abbr) ? abbr : throw Invalid(source, $"{at}.subsets[{i}]", "a dataset abbreviation")).ToList()
            : throw Invalid(source, $"{at}.subsets", "a non-empty list of dataset abbreviations");
        Dictionary<string, double>? weights = null;
        if (group["weights"] is { } weightNode)
        {
            weights = weightNode is JsonObject map
                ? map.ToDictionary(w => w.Key, w => w.Value is JsonValue v && v.TryGetValue<double>(out var weight) ? weight : throw Invalid(source, $"{at}.weights.{w.Key}", "a number"), StringComparer.Ordinal)
                : throw Invalid(source, $"{at}.weights", "an object {\"subset\": weight, …}");
            if (weights.Keys.FirstOrDefault(k => !subsets.Contains(k)) is { } stranger)
            {
                throw Invalid(source, $"{at}.weights.{stranger}", $"one of the group's subsets ({string.Join(", ", subsets)})");
            }
        }

        var metric = Flag(group, "std", at, source) ? GroupMetric.StandardDeviation
            : Flag(group, "sum", at, source) ? GroupMetric.Sum
            : weights is { Count: > 0 } ? GroupMetric.WeightedAverage
            : Flag(group, "harmonic_mean", at, source) ? GroupMetric.HarmonicMean
            : GroupMetric.NaiveAverage;
        return new SummaryGroup(name, subsets) { Metric = metric, Weights = weights is { Count: > 0 } ? weights : null };
    }

    private static bool Flag(JsonObject group, string key, string at, string source) => group[key] switch
    {
        null => false,
        JsonValue v when v.TryGetValue<bool>(out var flag) => flag,
        _ => throw Invalid(source, $"{at}.{key}", "true or false"),
    };

    private static InvalidDataException Invalid(string source, string at, string expected) => new($"{source}: {at}: expected {expected}.");
}
