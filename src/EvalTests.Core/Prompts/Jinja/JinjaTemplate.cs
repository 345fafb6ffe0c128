using System.Collections;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace EvalTests.Prompts.Jinja;

/// <summary>
/// The subset of Jinja that Hugging Face chat templates use: output and statement tags with whitespace control,
/// <c>if/elif/else</c>, <c>for … in … [if …]</c> with <c>loop</c>, <c>set</c> and <c>namespace()</c>, Python-style
/// expressions, the common filters, tests and string methods, and <c>raise_exception</c>. Rendering follows
/// <c>trim_blocks</c> and <c>lstrip_blocks</c>, as <c>apply_chat_template</c> does.
/// </summary>
/// <remarks>Written here because no Jinja engine is served on the package feed; the supported set is what real chat
/// templates (Llama, Mistral, ChatML/Qwen, Zephyr, Phi) need, and anything else is a clear <see cref="JinjaException"/>.</remarks>
public sealed class JinjaTemplate
{
    private readonly List<Node> _body;

    /// <summary>Parses a template.</summary>
    /// <exception cref="JinjaException">The template uses syntax outside the supported subset.</exception>
    public JinjaTemplate(string source)
    {
        var segments = JinjaLexer.Split(source);
        var index = 0;
        _body = ParseBlock(segments, ref index, []);
        if (index < segments.Count)
        {
            throw new JinjaException($"unexpected '{{% {segments[index].Content} %}}'");
        }
    }

    /// <summary>Renders with the given variables (strings, numbers, booleans, lists, and string-keyed dictionaries).</summary>
    public string Render(IReadOnlyDictionary<string, object?> variables)
    {
        var scope = new Scope(null);
        scope.Set("raise_exception", (JinjaCallable)((args, _) => throw new JinjaException($"the chat template raised: {Str(args.FirstOrDefault())}")));
        scope.Set("namespace", (JinjaCallable)((_, kwargs) => new Dictionary<string, object?>(kwargs)));
        scope.Set("range", (JinjaCallable)((args, _) => Range(args)));
        scope.Set("strftime_now", (JinjaCallable)((args, _) => DateTime.UtcNow.ToString(ConvertStrftime(Str(args[0])), CultureInfo.InvariantCulture)));
        foreach (var (key, value) in variables)
        {
            scope.Set(key, Normalize(value));
        }

        var output = new StringBuilder();
        Execute(_body, scope, output);
        return output.ToString();
    }

    private abstract record Node
    {
        /// <summary>The template line of the tag or text, for errors.</summary>
        public int Line { get; init; }
    }

    private sealed record TextNode(string Text) : Node;

    private sealed record OutputNode(Expr Value) : Node;

    private sealed record IfNode(List<(Expr Condition, List<Node> Body)> Branches, List<Node> Else) : Node;

    private sealed record ForNode(List<string> Targets, Expr Items, Expr? Condition, List<Node> Body, List<Node> Else) : Node;

    private sealed record SetNode(string Target, string? Attribute, Expr Value) : Node;

    private static List<Node> ParseBlock(List<JinjaSegment> segments, ref int index, string[] terminators)
    {
        var nodes = new List<Node>();
        while (index < segments.Count)
        {
            var segment = segments[index];
            try
            {
                var added = nodes.Count;
                if (ParseSegment(segments, ref index, terminators, nodes))
                {
                    return nodes;
                }

                if (nodes.Count > added)
                {
                    nodes[^1] = nodes[^1] with { Line = segment.Line };
                }
            }
            catch (JinjaException ex)
            {
                throw ex.At(segment.Line);
            }
        }

        if (terminators.Length > 0)
        {
            throw new JinjaException($"missing '{{% {terminators[^1]} %}}'");
        }

        return nodes;
    }

    /// <summary>Parses the segment at <paramref name="index"/> (and its block) into <paramref name="nodes"/>; true at a terminator.</summary>
    private static bool ParseSegment(List<JinjaSegment> segments, ref int index, string[] terminators, List<Node> nodes)
    {
        var segment = segments[index];
        switch (segment.Kind)
        {
            case JinjaTokenKind.Text:
                nodes.Add(new TextNode(segment.Content));
                index++;
                return false;
            case JinjaTokenKind.Output:
                nodes.Add(new OutputNode(ParseWhole(segment.Content)));
                index++;
                return false;
        }

        var keyword = segment.Content.Split(' ', 2)[0];
        if (terminators.Contains(keyword))
        {
            return true;
        }

        index++;
        var rest = segment.Content.Length > keyword.Length ? segment.Content[keyword.Length..].Trim() : string.Empty;
        switch (keyword)
        {
            case "if":
            {
                var branches = new List<(Expr, List<Node>)>();
                var condition = ParseWhole(rest);
                var elseBody = new List<Node>();
                while (true)
                {
                    var body = ParseBlock(segments, ref index, ["elif", "else", "endif"]);
                    branches.Add((condition, body));
                    var terminator = Terminator(segments, index, "if");
                    index++;
                    if (terminator.StartsWith("elif", StringComparison.Ordinal))
                    {
                        condition = ParseWhole(terminator[4..].Trim());
                        continue;
                    }

                    if (terminator == "else")
                    {
                        elseBody = ParseBlock(segments, ref index, ["endif"]);
                        Terminator(segments, index, "if");
                        index++;
                    }

                    break;
                }

                nodes.Add(new IfNode(branches, elseBody));
                break;
            }

            case "for":
            {
                var parser = new ExpressionParser(rest);
                var targets = new List<string> { parser.Next() };
                while (parser.Accept(","))
                {
                    targets.Add(parser.Next());
                }

                parser.Expect("in");
                var items = parser.ParseOrExpression();
                Expr? filter = parser.Accept("if") ? parser.ParseOrExpression() : null;
                var body = ParseBlock(segments, ref index, ["else", "endfor"]);
                var elseBody = new List<Node>();
                if (Terminator(segments, index, "for") == "else")
                {
                    index++;
                    elseBody = ParseBlock(segments, ref index, ["endfor"]);
                    Terminator(segments, index, "for");
                }

                index++;
                nodes.Add(new ForNode(targets, items, filter, body, elseBody));
                break;
            }

            case "set":
            {
                var equals = rest.IndexOf('=', StringComparison.Ordinal);
                if (equals < 0)
                {
                    throw new JinjaException("block '{% set %}' assignments are not supported");
                }

                var target = rest[..equals].Trim();
                var dot = target.IndexOf('.', StringComparison.Ordinal);
                nodes.Add(dot < 0
                    ? new SetNode(target, null, ParseWhole(rest[(equals + 1)..]))
                    : new SetNode(target[..dot], target[(dot + 1)..], ParseWhole(rest[(equals + 1)..])));
                break;
            }

            case "generation" or "endgeneration":
                break; // Marks assistant spans for training masks; no effect on the text.

            default:
                throw new JinjaException($"unsupported tag '{{% {segment.Content} %}}'");
        }
        return false;
    }

    private static string Terminator(List<JinjaSegment> segments, int index, string block) =>
        index < segments.Count ? segments[index].Content : throw new JinjaException($"missing '{{% end{block} %}}'");

    private static Expr ParseWhole(string source)
    {
        var parser = new ExpressionParser(source);
        var expression = parser.ParseExpression();
        if (!parser.AtEnd)
        {
            throw new JinjaException($"unexpected '{parser.Peek}' in '{source}'");
        }

        return expression;
    }

    private sealed class Scope(Scope? parent)
    {
        private readonly Dictionary<string, object?> _values = new(StringComparer.Ordinal);

        public object? Get(string name) =>
            _values.TryGetValue(name, out var value) ? value : parent is not null ? parent.Get(name) : Undefined.Instance;

        public void Set(string name, object? value) => _values[name] = value;
    }

    private static void Execute(List<Node> nodes, Scope scope, StringBuilder output)
    {
        foreach (var node in nodes)
        {
            try
            {
                ExecuteNode(node, scope, output);
            }
            catch (JinjaException ex)
            {
                throw ex.At(node.Line);
            }
        }
    }

    private static void ExecuteNode(Node node, Scope scope, StringBuilder output)
    {
        switch (node)
        {
            case TextNode text:
                output.Append(text.Text);
                break;
            case OutputNode value:
                output.Append(Str(Evaluate(value.Value, scope)));
                break;
            case IfNode branch:
                var taken = branch.Branches.FirstOrDefault(b => Truthy(Evaluate(b.Condition, scope)));
                Execute(taken.Body ?? branch.Else, scope, output);
                break;
            case SetNode set when set.Attribute is null:
                scope.Set(set.Target, Evaluate(set.Value, scope));
                break;
            case SetNode set:
                if (scope.Get(set.Target) is not Dictionary<string, object?> target)
                {
                    throw new JinjaException($"'{set.Target}' is not a namespace");
                }

                target[set.Attribute!] = Evaluate(set.Value, scope);
                break;
            case ForNode loop:
                RunLoop(loop, scope, output);
                break;
        }
    }

    private static void RunLoop(ForNode loop, Scope scope, StringBuilder output)
    {
        var source = Evaluate(loop.Items, scope);
        var items = source switch
        {
            Dictionary<string, object?> map => map.Keys.Cast<object?>().ToList(),
            string text => text.Select(c => (object?)c.ToString()).ToList(),
            IEnumerable<object?> list => list.ToList(),
            Undefined or null => [],
            _ => throw new JinjaException($"cannot loop over {TypeName(source)}"),
        };

        var selected = new List<object?>();
        foreach (var item in items)
        {
            var probe = new Scope(scope);
            Bind(loop.Targets, item, probe);
            if (loop.Condition is null || Truthy(Evaluate(loop.Condition, probe)))
            {
                selected.Add(item);
            }
        }

        for (var i = 0; i < selected.Count; i++)
        {
            var inner = new Scope(scope);
            Bind(loop.Targets, selected[i], inner);
            inner.Set("loop", new Dictionary<string, object?>
            {
                ["index"] = (long)(i + 1),
                ["index0"] = (long)i,
                ["revindex"] = (long)(selected.Count - i),
                ["revindex0"] = (long)(selected.Count - i - 1),
                ["first"] = i == 0,
                ["last"] = i == selected.Count - 1,
                ["length"] = (long)selected.Count,
                ["previtem"] = i > 0 ? selected[i - 1] : Undefined.Instance,
                ["nextitem"] = i < selected.Count - 1 ? selected[i + 1] : Undefined.Instance,
            });
            Execute(loop.Body, inner, output);
        }

        if (selected.Count == 0)
        {
            Execute(loop.Else, new Scope(scope), output);
        }
    }

    private static void Bind(List<string> targets, object? item, Scope scope)
    {
        if (targets.Count == 1)
        {
            scope.Set(targets[0], item);
            return;
        }

        if (item is not List<object?> parts || parts.Count != targets.Count)
        {
            throw new JinjaException($"cannot unpack {TypeName(item)} into {targets.Count} names");
        }

        for (var i = 0; i < targets.Count; i++)
        {
            scope.Set(targets[i], parts[i]);
        }
    }

    private static object? Evaluate(Expr expression, Scope scope) => expression switch
    {
        Literal literal => literal.Value,
        Name name => scope.Get(name.Identifier),
        ListExpr list => list.Items.Select(i => Evaluate(i, scope)).ToList(),
        DictExpr dict => dict.Items.ToDictionary(i => Str(Evaluate(i.Key, scope)), i => Evaluate(i.Value, scope)),
        Attribute attribute => GetAttribute(Evaluate(attribute.Target, scope), attribute.Name),
        Subscript subscript => GetItem(Evaluate(subscript.Target, scope), Evaluate(subscript.Index, scope)),
        Slice slice => SliceOf(Evaluate(slice.Target, scope), Optional(slice.Start, scope), Optional(slice.Stop, scope), Optional(slice.Step, scope)),
        Call call => Invoke(Evaluate(call.Target, scope), call.Args.Select(a => Evaluate(a, scope)).ToList(), call.Kwargs.ToDictionary(k => k.Name, k => Evaluate(k.Value, scope))),
        Filter filter => JinjaFilters.Apply(filter.Name, Evaluate(filter.Target, scope), filter.Args.Select(a => Evaluate(a, scope)).ToList(), filter.Kwargs.ToDictionary(k => k.Name, k => Evaluate(k.Value, scope))),
        Test test => test.Negated != JinjaFilters.Test(test.Name, Evaluate(test.Target, scope), test.Args.Select(a => Evaluate(a, scope)).ToList()),
        Unary { Op: "not" } unary => !Truthy(Evaluate(unary.Operand, scope)),
        Unary unary => Arithmetic("-", 0L, Evaluate(unary.Operand, scope)),
        Binary { Op: "and" } binary => Truthy(Evaluate(binary.Left, scope)) ? Evaluate(binary.Right, scope) : Evaluate(binary.Left, scope),
        Binary { Op: "or" } binary => Truthy(Evaluate(binary.Left, scope)) ? Evaluate(binary.Left, scope) : Evaluate(binary.Right, scope),
        Binary binary => BinaryOp(binary.Op, Evaluate(binary.Left, scope), Evaluate(binary.Right, scope)),
        Conditional conditional => Truthy(Evaluate(conditional.Condition, scope))
            ? Evaluate(conditional.Then, scope)
            : conditional.Else is null ? Undefined.Instance : Evaluate(conditional.Else, scope),
        _ => throw new JinjaException("unsupported expression"),
    };

    private static long? Optional(Expr? expression, Scope scope) => expression is null ? null : ToLong(Evaluate(expression, scope));

    private static object? BinaryOp(string op, object? left, object? right) => op switch
    {
        "==" => ValuesEqual(left, right),
        "!=" => !ValuesEqual(left, right),
        "<" or ">" or "<=" or ">=" => Compare(op, left, right),
        "in" => Contains(right, left),
        "~" => Str(left) + Str(right),
        "+" when left is string || right is string => Str(left) + Str(right),
        "+" when left is List<object?> a && right is List<object?> b => a.Concat(b).ToList(),
        _ => Arithmetic(op, left, right),
    };

    private static object Arithmetic(string op, object? left, object? right)
    {
        if (left is long a && right is long b && op != "/")
        {
            return op switch
            {
                "+" => a + b,
                "-" => a - b,
                "*" => a * b,
                "//" => (long)Math.Floor(a / (double)b),
                "%" => ((a % b) + b) % b,
                _ => throw new JinjaException($"unsupported operator '{op}'"),
            };
        }

        if (op == "*" && left is string text && right is long times)
        {
            return string.Concat(Enumerable.Repeat(text, (int)Math.Max(0, times)));
        }

        var x = ToDouble(left);
        var y = ToDouble(right);
        return op switch
        {
            "+" => x + y,
            "-" => x - y,
            "*" => x * y,
            "/" => x / y,
            "//" => Math.Floor(x / y),
            "%" => x - (y * Math.Floor(x / y)),
            _ => throw new JinjaException($"unsupported operator '{op}'"),
        };
    }

    private static bool Compare(string op, object? left, object? right)
    {
        var order = left is string a && right is string b
            ? string.CompareOrdinal(a, b)
            : ToDouble(left).CompareTo(ToDouble(right));
        return op switch { "<" => order < 0, ">" => order > 0, "<=" => order <= 0, _ => order >= 0 };
    }

    internal static bool ValuesEqual(object? left, object? right)
    {
        if (left is Undefined || right is Undefined)
        {
            return left is Undefined && right is Undefined;
        }

        if (left is long or double or bool && right is long or double or bool)
        {
            return ToDouble(left) == ToDouble(right);
        }

        if (left is List<object?> a && right is List<object?> b)
        {
            return a.Count == b.Count && a.Zip(b).All(p => ValuesEqual(p.First, p.Second));
        }

        return Equals(left, right);
    }

    private static bool Contains(object? container, object? item) => container switch
    {
        string text => text.Contains(Str(item), StringComparison.Ordinal),
        Dictionary<string, object?> map => item is string key && map.ContainsKey(key),
        List<object?> list => list.Any(element => ValuesEqual(element, item)),
        _ => false,
    };

    private static object? GetAttribute(object? target, string name)
    {
        if (target is Dictionary<string, object?> map)
        {
            if (map.TryGetValue(name, out var value))
            {
                return value;
            }
        }

        return (object?)JinjaFilters.Method(target, name) ?? Undefined.Instance;
    }

    private static object? GetItem(object? target, object? index) => target switch
    {
        Dictionary<string, object?> map => map.TryGetValue(Str(index), out var value) ? value : Undefined.Instance,
        List<object?> list when ToLong(index) is var i => i < 0 ? (list.Count + i >= 0 ? list[(int)(list.Count + i)] : Undefined.Instance) : i < list.Count ? list[(int)i] : Undefined.Instance,
        string text when ToLong(index) is var i => i < 0 ? text[(int)(text.Length + i)].ToString() : i < text.Length ? text[(int)i].ToString() : Undefined.Instance,
        _ => Undefined.Instance,
    };

    private static object? SliceOf(object? target, long? start, long? stop, long? step)
    {
        var items = target switch
        {
            string text => text.Select(c => (object?)c.ToString()).ToList(),
            List<object?> list => list,
            _ => throw new JinjaException($"cannot slice {TypeName(target)}"),
        };
        var count = items.Count;
        var stride = step ?? 1;
        long Clamp(long? value, long fallback)
        {
            if (value is not { } v)
            {
                return fallback;
            }

            if (v < 0)
            {
                v += count;
            }

            return stride > 0 ? Math.Clamp(v, 0, count) : Math.Clamp(v, -1, count - 1);
        }

        var from = Clamp(start, stride > 0 ? 0 : count - 1);
        var to = Clamp(stop, stride > 0 ? count : -1);
        var result = new List<object?>();
        for (var i = from; stride > 0 ? i < to : i > to; i += stride)
        {
            result.Add(items[(int)i]);
        }

        return target is string ? string.Concat(result.Select(Str)) : result;
    }

    private static object? Invoke(object? target, List<object?> args, Dictionary<string, object?> kwargs) =>
        target is JinjaCallable callable ? callable(args, kwargs) : throw new JinjaException($"{TypeName(target)} is not callable");

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

    /// <summary>Turns host values into the template's value model (lists of objects, string-keyed dictionaries, longs).</summary>
    internal static object? Normalize(object? value) => value switch
    {
        null or string or bool or long or double or Undefined or JinjaCallable => value,
        int i => (long)i,
        float f => (double)f,
        IReadOnlyDictionary<string, object?> map => map.ToDictionary(p => p.Key, p => Normalize(p.Value)),
        IDictionary map => map.Keys.Cast<object>().ToDictionary(k => k.ToString()!, k => Normalize(map[k])),
        IEnumerable list => list.Cast<object?>().Select(Normalize).ToList(),
        _ => value.ToString(),
    };

    internal static bool Truthy(object? value) => value switch
    {
        null or Undefined => false,
        bool b => b,
        long l => l != 0,
        double d => d != 0,
        string s => s.Length > 0,
        ICollection c => c.Count > 0,
        _ => true,
    };

    internal static string Str(object? value) => value switch
    {
        null => "None",
        Undefined => string.Empty,
        string s => s,
        bool b => b ? "True" : "False",
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => Reporting.PythonRepr.FormatFloat(d),
        List<object?> list => "[" + string.Join(", ", list.Select(Repr)) + "]",
        Dictionary<string, object?> map => "{" + string.Join(", ", map.Select(p => $"{Repr(p.Key)}: {Repr(p.Value)}")) + "}",
        _ => value.ToString() ?? string.Empty,
    };

    private static string Repr(object? value) => value is string s ? Reporting.PythonRepr.FormatString(s) : Str(value);

    internal static long ToLong(object? value) => value switch
    {
        long l => l,
        double d => (long)d,
        bool b => b ? 1 : 0,
        string s when long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) => parsed,
        _ => throw new JinjaException($"expected a number, got {TypeName(value)}"),
    };

    internal static double ToDouble(object? value) => value switch
    {
        long l => l,
        double d => d,
        bool b => b ? 1 : 0,
        _ => throw new JinjaException($"expected a number, got {TypeName(value)}"),
    };

    internal static string TypeName(object? value) => value switch
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

    internal static string ToJson(object? value, int? indent)
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
