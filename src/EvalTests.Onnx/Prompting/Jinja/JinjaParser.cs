namespace EvalTests.Onnx.Prompting.Jinja;

/// <summary>Turns a template's segments into nodes: the tags Hugging Face chat templates use, anything else refused naming its line.</summary>
internal static class JinjaParser
{
    /// <summary>The template's nodes.</summary>
    /// <exception cref="JinjaException">The template uses syntax outside the supported subset.</exception>
    public static List<Node> Parse(string source)
    {
        var segments = JinjaLexer.Split(source);
        var index = 0;
        var body = ParseBlock(segments, ref index, []);
        if (index < segments.Count)
        {
            throw new JinjaException($"unexpected '{{% {segments[index].Content} %}}'");
        }

        return body;
    }

    public static List<Node> ParseBlock(List<JinjaSegment> segments, ref int index, string[] terminators)
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
}
