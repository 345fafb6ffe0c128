using System.Globalization;

namespace EvalTests.Onnx.Prompting.Jinja;

/// <summary>The filters, tests and string/dict methods that chat templates call.</summary>
internal static class JinjaFilters
{
    public static object? Apply(string name, object? value, List<object?> args, Dictionary<string, object?> kwargs)
    {
        var s = JinjaValues.Str;
        return name switch
        {
            "trim" => s(value).Trim(),
            "length" or "count" => value switch
            {
                string text => (long)text.Length,
                System.Collections.ICollection collection => (long)collection.Count,
                _ => 0L,
            },
            "tojson" => JinjaValues.ToJson(value, kwargs.TryGetValue("indent", out var indent) && indent is long n ? (int)n : args.Count > 0 && args[0] is long m ? (int)m : null),
            "upper" => s(value).ToUpperInvariant(),
            "lower" => s(value).ToLowerInvariant(),
            "capitalize" => s(value) is { Length: > 0 } c ? char.ToUpperInvariant(c[0]) + c[1..].ToLowerInvariant() : string.Empty,
            "title" => CultureInfo.InvariantCulture.TextInfo.ToTitleCase(s(value).ToLowerInvariant()),
            "default" or "d" => value is Undefined || (args.Count > 1 && JinjaValues.Truthy(args[1]) && !JinjaValues.Truthy(value)) ? args.FirstOrDefault() ?? string.Empty : value,
            "first" => value is List<object?> { Count: > 0 } first ? first[0] : value is string { Length: > 0 } t ? t[0].ToString() : Undefined.Instance,
            "last" => value is List<object?> { Count: > 0 } last ? last[^1] : value is string { Length: > 0 } u ? u[^1].ToString() : Undefined.Instance,
            "join" => string.Join(args.Count > 0 ? s(args[0]) : string.Empty, AsList(value).Select(s)),
            "string" or "safe" or "e" or "escape" => name is "string" or "safe" ? s(value) : System.Net.WebUtility.HtmlEncode(s(value)),
            "list" => AsList(value),
            "reverse" => value is string r ? new string(r.Reverse().ToArray()) : AsList(value).AsEnumerable().Reverse().ToList(),
            "items" => value is Dictionary<string, object?> map ? map.Select(p => (object?)new List<object?> { p.Key, p.Value }).ToList() : [],
            "replace" => s(value).Replace(s(args[0]), s(args[1]), StringComparison.Ordinal),
            "int" => value is string text && long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) ? parsed : value is long or double or bool ? JinjaValues.ToLong(value) : 0L,
            "float" => value is long or double ? JinjaValues.ToDouble(value) : double.TryParse(s(value), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : 0.0,
            "abs" => value is long l ? Math.Abs(l) : Math.Abs(JinjaValues.ToDouble(value)),
            "map" when kwargs.TryGetValue("attribute", out var attribute) => AsList(value).Select(item => item is Dictionary<string, object?> m && m.TryGetValue(s(attribute), out var v) ? v : Undefined.Instance).ToList(),
            "selectattr" or "rejectattr" => AsList(value).Where(item =>
            {
                var attributeValue = item is Dictionary<string, object?> m && m.TryGetValue(s(args[0]), out var v) ? v : Undefined.Instance;
                var passes = args.Count > 1 ? Test(s(args[1]), attributeValue, args.Skip(2).ToList()) : JinjaValues.Truthy(attributeValue);
                return name == "selectattr" ? passes : !passes;
            }).ToList(),
            _ => throw new JinjaException($"unsupported filter '{name}'"),
        };
    }

    public static bool Test(string name, object? value, List<object?> args) => name switch
    {
        "defined" => value is not Undefined,
        "undefined" => value is Undefined,
        "none" => value is null,
        "string" => value is string,
        "number" => value is long or double,
        "integer" => value is long,
        "float" => value is double,
        "boolean" => value is bool,
        "true" => value is true,
        "false" => value is false,
        "mapping" => value is Dictionary<string, object?>,
        "sequence" or "iterable" => value is string or List<object?> or Dictionary<string, object?>,
        "even" => JinjaValues.ToLong(value) % 2 == 0,
        "odd" => JinjaValues.ToLong(value) % 2 != 0,
        "divisibleby" => JinjaValues.ToLong(value) % JinjaValues.ToLong(args[0]) == 0,
        "eq" or "equalto" or "==" => JinjaInterpreter.ValuesEqual(value, args[0]),
        "ne" or "!=" => !JinjaInterpreter.ValuesEqual(value, args[0]),
        "in" => args[0] is List<object?> list && list.Any(item => JinjaInterpreter.ValuesEqual(item, value)),
        _ => throw new JinjaException($"unsupported test '{name}'"),
    };

    /// <summary>A bound method of a string or mapping, or null when the value has no such method.</summary>
    public static JinjaCallable? Method(object? target, string name)
    {
        var s = JinjaValues.Str;
        if (target is string text)
        {
            char[]? Chars(List<object?> args) => args.Count > 0 && args[0] is string chars ? chars.ToCharArray() : null;
            return name switch
            {
                "strip" => (args, _) => Chars(args) is { } c ? text.Trim(c) : text.Trim(),
                "lstrip" => (args, _) => Chars(args) is { } c ? text.TrimStart(c) : text.TrimStart(),
                "rstrip" => (args, _) => Chars(args) is { } c ? text.TrimEnd(c) : text.TrimEnd(),
                "startswith" => (args, _) => args[0] is List<object?> options ? options.Any(o => text.StartsWith(s(o), StringComparison.Ordinal)) : text.StartsWith(s(args[0]), StringComparison.Ordinal),
                "endswith" => (args, _) => args[0] is List<object?> options ? options.Any(o => text.EndsWith(s(o), StringComparison.Ordinal)) : text.EndsWith(s(args[0]), StringComparison.Ordinal),
                "upper" => (_, _) => text.ToUpperInvariant(),
                "lower" => (_, _) => text.ToLowerInvariant(),
                "title" => (_, _) => CultureInfo.InvariantCulture.TextInfo.ToTitleCase(text.ToLowerInvariant()),
                "replace" => (args, _) => text.Replace(s(args[0]), s(args[1]), StringComparison.Ordinal),
                "split" => (args, _) => (args.Count > 0 && args[0] is string separator
                    ? text.Split(separator)
                    : text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)).Select(part => (object?)part).ToList(),
                "find" => (args, _) => (long)text.IndexOf(s(args[0]), StringComparison.Ordinal),
                "format" => (args, _) => string.Format(CultureInfo.InvariantCulture, ToNetFormat(text), args.Select(s).ToArray<object>()),
                _ => null,
            };
        }

        if (target is Dictionary<string, object?> map)
        {
            return name switch
            {
                "items" => (_, _) => map.Select(p => (object?)new List<object?> { p.Key, p.Value }).ToList(),
                "keys" => (_, _) => map.Keys.Select(k => (object?)k).ToList(),
                "values" => (_, _) => map.Values.ToList(),
                "get" => (args, _) => map.TryGetValue(s(args[0]), out var value) ? value : args.Count > 1 ? args[1] : null,
                _ => null,
            };
        }

        return null;
    }

    private static List<object?> AsList(object? value) => value switch
    {
        List<object?> list => list,
        string text => text.Select(c => (object?)c.ToString()).ToList(),
        Dictionary<string, object?> map => map.Keys.Select(k => (object?)k).ToList(),
        _ => [],
    };

    private static string ToNetFormat(string pythonFormat)
    {
        var index = 0;
        return System.Text.RegularExpressions.Regex.Replace(pythonFormat.Replace("{}", "\u0001", StringComparison.Ordinal), "\u0001", _ => "{" + index++ + "}");
    }
}
