namespace EvalTests.Onnx.Prompting.Jinja;

/// <summary>A parsed template: text, output, if, for and set nodes, each with the line it starts on.</summary>
internal abstract record Node
{
    /// <summary>The template line of the tag or text, for errors.</summary>
    public int Line { get; init; }
}

internal sealed record TextNode(string Text) : Node;

internal sealed record OutputNode(Expr Value) : Node;

internal sealed record IfNode(List<(Expr Condition, List<Node> Body)> Branches, List<Node> Else) : Node;

internal sealed record ForNode(List<string> Targets, Expr Items, Expr? Condition, List<Node> Body, List<Node> Else) : Node;

internal sealed record SetNode(string Target, string? Attribute, Expr Value) : Node;
