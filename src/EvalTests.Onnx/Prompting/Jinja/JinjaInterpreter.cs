using System.Collections;
using System.Globalization;
using System.Text;

using static EvalTests.Onnx.Prompting.Jinja.JinjaValues;

namespace EvalTests.Onnx.Prompting.Jinja;

/// <summary>A scope of variables, chained to its parent (a loop body sees the template's variables).</summary>
internal sealed class Scope(Scope? parent)
{
    private readonly Dictionary<string, object?> _values = new(StringComparer.Ordinal);

    public object? Get(string name) =>
        _values.TryGetValue(name, out var value) ? value : parent is not null ? parent.Get(name) : Undefined.Instance;

    public void Set(string name, object? value) => _values[name] = value;
}

/// <summary>Runs a template's nodes in a scope: statements, loops, expressions and operators with Jinja's (Python's) semantics.</summary>
internal static class JinjaInterpreter
{
    public static void Execute(List<Node> nodes, Scope scope, StringBuilder output)
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

    public static bool ValuesEqual(object? left, object? right)
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
}
