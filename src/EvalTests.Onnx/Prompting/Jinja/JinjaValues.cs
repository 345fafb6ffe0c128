using System.Collections;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using EvalTests.Python;

namespace EvalTests.Onnx.Prompting.Jinja;

/// <summary>Jinja's view of values: truthiness, str, repr, numbers, type names and tojson, as Python would print them.</summary>
internal static class JinjaValues
{
    /// <summary>Turns host values into the template's value model (lists of objects, string-keyed dictionaries, longs).</summary>
    public static object? Normalize(object? value) => value switch
    {
        null or string or bool or long or double or Undefined or JinjaCallable => value,
        int i => (long)i,
        float f => (double)f,
        IReadOnlyDictionary<string, object?> map => map.ToDictionary(p => p.Key, p => Normalize(p.Value)),
        IDictionary map => map.Keys.Cast<object>().ToDictionary(k => k.ToString()!, k => Normalize(map[k])),
        IEnumerable list => list.Cast<object?>().Select(Normalize).ToList(),
        _ => value.ToString(),
    };

    public static bool Truthy(object? value) => value switch
    {
        null or Undefined => false,
        bool b => b,
        long l => l != 0,
        double d => d != 0,
        string s => s.Length > 0,
        ICollection c => c.Count > 0,
        _ => true,
    };

    public static string Str(object? value) => value switch
    {
        null => "None",
        Undefined => string.Empty,
        string s => s,
        bool b => b ? "True" : "False",
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => PythonRepr.FormatFloat(d),
        List<object?> list => "[" + string.Join(", ", list.Select(Repr)) + "]",
        Dictionary<string, object?> map => "{" + string.Join(", ", map.Select(p => $"{Repr(p.Key)}: {Repr(p.Value)}")) + "}",
        _ => value.ToString() ?? string.Empty,
    };

    public static string Repr(object? value) => value is string s ? PythonRepr.FormatString(s) : Str(value);

    public static long ToLong(object? value) => value switch
    {
        long l => l,
        double d => (long)d,
        bool b => b ? 1 : 0,
        string s when long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) => parsed,
        _ => throw new JinjaException($"expected a number, got {TypeName(value)}"),
    };

    public static double ToDouble(object? value) => value switch
    {
        long l => l,
        double d => d,
        bool b => b ? 1 : 0,
        _ => throw new JinjaException($"expected a number, got {TypeName(value)}"),
    };

    public static string TypeName(object? value) => value switch
    {
        null => "none",
        Undefined => "undefined",
        string => "a string",
        long or double => "a number",
        bool => "a boolean",
        List<object?> => "a list",
        Dictionary<string, object?> => "a mapping",
        _ => value.GetType().Name,
    };

    private static readonly JsonSerializerOptions CompactJson = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<int, JsonSerializerOptions> IndentedJson = new();

    public static string ToJson(object? value, int? indent)
    {
        var options = indent is > 0
            ? IndentedJson.GetOrAdd(indent.Value, size => new JsonSerializerOptions(CompactJson) { WriteIndented = true, IndentSize = size })
            : CompactJson;
        // Python's json.dumps puts a space after ':' and ',' in compact mode; System.Text.Json does not.
        var json = JsonSerializer.Serialize(ToPlain(value), options);
        return indent is > 0 ? json : PythonSeparators(json);
    }

    private static string PythonSeparators(string json)
    {
        var builder = new StringBuilder(json.Length + 16);
        var inString = false;
        var escaped = false;
        foreach (var c in json)
        {
            builder.Append(c);
            if (inString && escaped)
            {
                escaped = false;
            }
            else if (inString && c == '\\')
            {
                escaped = true;
            }
            else if (c == '"')
            {
                inString = !inString;
            }
            else if (!inString && c is ':' or ',')
            {
                builder.Append(' ');
            }
        }

        return builder.ToString();
    }

    private static object? ToPlain(object? value) => value switch
    {
        Undefined => null,
        Dictionary<string, object?> map => map.ToDictionary(p => p.Key, p => ToPlain(p.Value)),
        List<object?> list => list.Select(ToPlain).ToList(),
        _ => value,
    };
}
