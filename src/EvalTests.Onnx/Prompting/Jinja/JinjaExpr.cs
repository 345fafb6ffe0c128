using System.Globalization;
using System.Text;

namespace EvalTests.Onnx.Prompting.Jinja;

/// <summary>The value of a name or attribute that does not exist: renders as nothing, is falsy, fails <c>is defined</c>.</summary>
internal sealed class Undefined
{
    public static readonly Undefined Instance = new();

    public override string ToString() => string.Empty;
}

/// <summary>A callable value (a global function, a macro-like builtin, a bound method).</summary>
internal delegate object? JinjaCallable(List<object?> args, Dictionary<string, object?> kwargs);

internal abstract record Expr;

internal sealed record Literal(object? Value) : Expr;

internal sealed record Name(string Identifier) : Expr;

internal sealed record ListExpr(List<Expr> Items) : Expr;

internal sealed record DictExpr(List<(Expr Key, Expr Value)> Items) : Expr;

internal sealed record Attribute(Expr Target, string Name) : Expr;

internal sealed record Subscript(Expr Target, Expr Index) : Expr;

internal sealed record Slice(Expr Target, Expr? Start, Expr? Stop, Expr? Step) : Expr;

internal sealed record Call(Expr Target, List<Expr> Args, List<(string Name, Expr Value)> Kwargs) : Expr;

internal sealed record Filter(Expr Target, string Name, List<Expr> Args, List<(string Name, Expr Value)> Kwargs) : Expr;

internal sealed record Test(Expr Target, string Name, bool Negated, List<Expr> Args) : Expr;

internal sealed record Unary(string Op, Expr Operand) : Expr;

internal sealed record Binary(string Op, Expr Left, Expr Right) : Expr;

internal sealed record Conditional(Expr Condition, Expr Then, Expr? Else) : Expr;
