using System.Text;
using System.Text.Json;

namespace EvalTests.Datasets.Cards;

/// <summary>
/// The line of every value in a JSON text, by JSON pointer (<c>/configs/0/mode</c>), so that an error found in the parsed
/// document can name the line a user edits; and pointers written as the JSON paths people read (<c>$.configs[0].mode</c>).
/// </summary>
internal sealed class JsonLocations
{
    private readonly Dictionary<string, int> _lines = new(StringComparer.Ordinal);

    private JsonLocations()
    {
    }

    /// <summary>Indexes a JSON text; a text that does not parse indexes what precedes the fault.</summary>
    public static JsonLocations Index(string json)
    {
        var index = new JsonLocations();
        var bytes = Encoding.UTF8.GetBytes(json);
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        var containers = new Stack<(bool IsArray, int Items)>();
        var segments = new List<string>();
        var property = string.Empty;
        var line = 1;
        var counted = 0;
        try
        {
            while (reader.Read())
            {
                var start = (int)reader.TokenStartIndex;
                line += bytes.AsSpan(counted, start - counted).Count((byte)'\n');
                counted = start;
                switch (reader.TokenType)
                {
                    case JsonTokenType.PropertyName:
                        property = reader.GetString()!;
                        continue;
                    case JsonTokenType.EndObject or JsonTokenType.EndArray:
                        containers.Pop();
                        if (segments.Count > 0 && containers.Count > 0)
                        {
                            segments.RemoveAt(segments.Count - 1);
                        }

                        continue;
                }

                string? segment = null;
                if (containers.Count > 0)
                {
                    var (isArray, items) = containers.Pop();
                    containers.Push((isArray, items + 1));
                    segment = isArray ? items.ToString(System.Globalization.CultureInfo.InvariantCulture) : Escape(property);
                }

                var pointer = segment is null ? string.Empty : string.Concat(segments.Select(s => "/" + s)) + "/" + segment;
                index._lines.TryAdd(pointer, line);
                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                {
                    if (segment is not null)
                    {
                        segments.Add(segment);
                    }

                    containers.Push((reader.TokenType == JsonTokenType.StartArray, 0));
                }
            }
        }
        catch (JsonException)
        {
            // The deserializer reports the syntax error itself, with its line.
        }

        return index;
    }

    /// <summary>The line of the value at a pointer, or of its nearest indexed parent.</summary>
    public int? LineOf(string pointer)
    {
        for (var current = pointer; ; current = current[..current.LastIndexOf('/')])
        {
            if (_lines.TryGetValue(current, out var line))
            {
                return line;
            }

            if (current.Length == 0)
            {
                return null;
            }
        }
    }

    /// <summary>Where a value is, as an error names it: <c>$.configs[0].mode (line 13)</c>.</summary>
    public string Describe(string pointer) => $"{PathOf(pointer)}{(LineOf(pointer) is { } line ? $" (line {line})" : string.Empty)}";

    /// <summary>A JSON pointer as a JSON path: <c>/configs/0/mode</c> → <c>$.configs[0].mode</c>.</summary>
    public static string PathOf(string pointer)
    {
        var path = new StringBuilder("$");
        foreach (var segment in pointer.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(s => s.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)))
        {
            path.Append(segment.All(char.IsAsciiDigit) ? $"[{segment}]" : $".{segment}");
        }

        return path.ToString();
    }

    private static string Escape(string name) => name.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);
}
