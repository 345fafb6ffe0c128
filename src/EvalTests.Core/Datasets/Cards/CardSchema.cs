using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;

namespace EvalTests.Datasets.Cards;

/// <summary>
/// The JSON Schema every dataset card is checked against (<c>card.schema.json</c>, shipped beside the built-in cards for
/// editors too), with its failures said the way a person fixes them: the JSON path, the line and what was expected.
/// </summary>
internal static class CardSchema
{
    /// <summary>The schema's file name, in the cards folder.</summary>
    public const string FileName = "card.schema.json";

    private static readonly Lazy<(JsonSchema Schema, JsonNode Document)> Loaded = new(() =>
    {
        var text = File.ReadAllText(Path.Combine(CardFolders.BuiltIn, FileName));
        return (JsonSchema.FromText(text), JsonNode.Parse(text)!);
    });

    /// <summary>The schema's failures for a card, each as "$.path (line n): what was expected"; empty when the card is valid.</summary>
    public static IReadOnlyList<string> Check(JsonElement card, JsonLocations locations)
    {
        var (schema, document) = Loaded.Value;
        var result = schema.Evaluate(card, new EvaluationOptions { OutputFormat = OutputFormat.Hierarchical });
        if (result.IsValid)
        {
            return [];
        }

        var problems = new List<string>();
        Collect(result, document, card, locations, problems);
        return problems.Count > 0 ? [.. problems.Distinct()] : [$"$: the card does not fit {FileName}"];
    }

    // Only the failures of failing nodes count. The branches of a oneOf/anyOf are the card's problem only when the choice
    // itself failed (no branch fits); then they are said together, as the forms the value may take.
    private static void Collect(EvaluationResults node, JsonNode schema, JsonElement card, JsonLocations locations, List<string> problems)
    {
        if (node.IsValid)
        {
            return;
        }

        foreach (var (keyword, message) in node.Errors ?? [])
        {
            problems.Add($"{Where(node, locations)}: {Explain(keyword, message, node, schema, card)}");
        }

        var children = node.Details ?? [];
        foreach (var choice in children.Where(c => Branch(c) is not null).GroupBy(c => Branch(c)!))
        {
            if (choice.Any(c => c.IsValid))
            {
                continue;
            }

            var forms = choice.SelectMany(branch => Messages(branch, schema, card)).Distinct();
            problems.Add($"{Where(choice.First(), locations)}: none of the allowed forms fits: {string.Join(" | ", forms)}");
        }

        foreach (var child in children.Where(c => Branch(c) is null))
        {
            Collect(child, schema, card, locations, problems);
        }
    }

    private static IEnumerable<string> Messages(EvaluationResults node, JsonNode schema, JsonElement card) =>
        node.IsValid ? [] : (node.Errors ?? []).Select(e => Explain(e.Key, e.Value, node, schema, card)).Concat((node.Details ?? []).SelectMany(d => Messages(d, schema, card)));

    private static string? Branch(EvaluationResults node) =>
        System.Text.RegularExpressions.Regex.Match(node.EvaluationPath.ToString(), @"^(.*/(?:oneOf|anyOf))/\d+$") is { Success: true } match ? match.Groups[1].Value : null;

    private static string Where(EvaluationResults node, JsonLocations locations) => locations.Describe(node.InstanceLocation.ToString());

    private static string Explain(string keyword, string message, EvaluationResults node, JsonNode schema, JsonElement card)
    {
        var pointer = node.InstanceLocation.ToString();
        // The evaluator writes an array's item schema as ".../items/items"; the schema itself has one "items".
        var schemaPath = node.EvaluationPath.ToString().Replace("/items/items", "/items", StringComparison.Ordinal);
        switch (keyword)
        {
            case "enum" when Resolve(schema, schemaPath) is JsonObject { } rule && rule["enum"] is JsonArray values:
                return $"{Value(card, pointer)} is not allowed; expected one of {string.Join(", ", values.Select(v => v is null ? "null" : $"\"{v.GetValue<string>()}\""))}";
            case "" when schemaPath.EndsWith("/additionalProperties", StringComparison.Ordinal):
                var parent = Resolve(schema, schemaPath[..^"/additionalProperties".Length]) as JsonObject;
                var known = parent?["properties"] is JsonObject properties ? string.Join(", ", properties.Select(p => p.Key)) : "none";
                return $"unknown property '{pointer[(pointer.LastIndexOf('/') + 1)..]}'; expected one of {known}";
            case "pattern" when Resolve(schema, schemaPath) is JsonObject { } rule && rule["pattern"] is JsonValue pattern:
                return $"{Value(card, pointer)} does not match \"{pattern.GetValue<string>()}\"";
            default:
                return message;
        }
    }

    private static string Value(JsonElement card, string pointer)
    {
        var current = card;
        foreach (var segment in pointer.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            current = current.ValueKind == JsonValueKind.Array ? current[int.Parse(segment, System.Globalization.CultureInfo.InvariantCulture)] : current.GetProperty(segment.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal));
        }

        return current.GetRawText();
    }

    private static JsonNode? Resolve(JsonNode schema, string pointer)
    {
        JsonNode? current = schema;
        foreach (var segment in pointer.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            current = current switch
            {
                JsonObject obj => obj[segment.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)],
                JsonArray array when int.TryParse(segment, out var i) && i < array.Count => array[i],
                _ => null,
            };
        }

        return current;
    }
}
