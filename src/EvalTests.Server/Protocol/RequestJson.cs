using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace EvalTests.Server.Protocol;

/// <summary>Reads a request body and its fields, refusing anything malformed with a 400 that names the field.</summary>
internal static class RequestJson
{
    public static async Task<JsonObject> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        try
        {
            return await JsonNode.ParseAsync(request.Body, cancellationToken: cancellationToken).ConfigureAwait(false) as JsonObject
                ?? throw ApiError.BadRequest("The request body must be a JSON object.");
        }
        catch (JsonException ex)
        {
            throw ApiError.BadRequest($"The request body is not valid JSON: {ex.Message}");
        }
    }

    public static string? OptionalString(JsonObject body, string name) => body[name] switch
    {
        null => null,
        JsonValue value when value.TryGetValue<string>(out var text) => text,
        _ => throw ApiError.BadRequest($"'{name}' must be a string.", name),
    };

    public static bool OptionalBool(JsonObject body, string name, bool fallback = false) => body[name] switch
    {
        null => fallback,
        JsonValue value when value.TryGetValue<bool>(out var flag) => flag,
        _ => throw ApiError.BadRequest($"'{name}' must be true or false.", name),
    };

    public static int? OptionalInt(JsonObject body, string name, int min, int max)
    {
        if (body[name] is null)
        {
            return null;
        }

        if (body[name] is JsonValue value && value.TryGetValue<double>(out var number) && number == Math.Floor(number) && number >= min && number <= max)
        {
            return (int)number;
        }

        throw ApiError.BadRequest($"'{name}' must be an integer from {min} to {max}.", name);
    }

    public static double? OptionalNumber(JsonObject body, string name, double min, double max)
    {
        if (body[name] is null)
        {
            return null;
        }

        if (body[name] is JsonValue value && value.TryGetValue<double>(out var number) && number >= min && number <= max)
        {
            return number;
        }

        throw ApiError.BadRequest(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"'{name}' must be a number from {min} to {max}."), name);
    }

    /// <summary>A string or an array of strings (<c>stop</c>, <c>prompt</c>).</summary>
    public static IReadOnlyList<string> StringOrArray(JsonObject body, string name)
    {
        switch (body[name])
        {
            case null:
                return [];
            case JsonValue value when value.TryGetValue<string>(out var single):
                return [single];
            case JsonArray array when array.All(a => a is JsonValue v && v.TryGetValue<string>(out _)):
                return array.Select(a => a!.GetValue<string>()).ToList();
            default:
                throw ApiError.BadRequest($"'{name}' must be a string or an array of strings.", name);
        }
    }
}
