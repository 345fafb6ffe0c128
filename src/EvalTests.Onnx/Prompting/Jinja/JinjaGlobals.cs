using System.Globalization;
using static EvalTests.Onnx.Prompting.Jinja.JinjaValues;

namespace EvalTests.Onnx.Prompting.Jinja;

/// <summary>The functions a chat template may call: <c>raise_exception</c>, <c>namespace()</c>, <c>range()</c>, <c>strftime_now()</c>.</summary>
internal static class JinjaGlobals
{
    /// <summary>Sets every global in a template's top scope.</summary>
    public static void AddTo(Scope scope)
    {
        scope.Set("raise_exception", (JinjaCallable)((args, _) => throw new JinjaException($"the chat template raised: {JinjaValues.Str(args.FirstOrDefault())}")));
        scope.Set("namespace", (JinjaCallable)((_, kwargs) => new Dictionary<string, object?>(kwargs)));
        scope.Set("range", (JinjaCallable)((args, _) => Range(args)));
        scope.Set("strftime_now", (JinjaCallable)((args, _) => DateTime.UtcNow.ToString(ConvertStrftime(JinjaValues.Str(args[0])), CultureInfo.InvariantCulture)));
    }

    private static List<object?> Range(List<object?> args)
    {
        var (start, stop) = args.Count == 1 ? (0L, ToLong(args[0])) : (ToLong(args[0]), ToLong(args[1]));
        var step = args.Count > 2 ? ToLong(args[2]) : 1;
        var result = new List<object?>();
        for (var i = start; step > 0 ? i < stop : i > stop; i += step)
        {
            result.Add(i);
        }

        return result;
    }

    private static string ConvertStrftime(string format) => format
        .Replace("%Y", "yyyy", StringComparison.Ordinal).Replace("%m", "MM", StringComparison.Ordinal).Replace("%d", "dd", StringComparison.Ordinal)
        .Replace("%B", "MMMM", StringComparison.Ordinal).Replace("%b", "MMM", StringComparison.Ordinal).Replace("%H", "HH", StringComparison.Ordinal)
        .Replace("%M", "mm", StringComparison.Ordinal);
}
