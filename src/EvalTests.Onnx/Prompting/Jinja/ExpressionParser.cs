using System.Globalization;
using System.Text;

namespace EvalTests.Onnx.Prompting.Jinja;

/// <summary>Tokenizes and parses Jinja expressions (the part inside <c>{{ }}</c> and after statement keywords).</summary>
internal sealed class ExpressionParser
{
    private readonly List<string> _tokens;
    private int _position;

    public ExpressionParser(string source)
    {
        _tokens = ExpressionLexer.Tokenize(source);
    }

    public bool AtEnd => _position >= _tokens.Count;

    public string? Peek => _position < _tokens.Count ? _tokens[_position] : null;

    public string Next() => _position < _tokens.Count ? _tokens[_position++] : throw new JinjaException("unexpected end of expression");

    public void Expect(string token)
    {
        var actual = Next();
        if (actual != token)
        {
            throw new JinjaException($"expected '{token}', found '{actual}'");
        }
    }

    public bool Accept(string token)
    {
        if (Peek == token)
        {
            _position++;
            return true;
        }

        return false;
    }

    public Expr ParseExpression()
    {
        var value = ParseOr();
        if (Accept("if"))
        {
            var condition = ParseOr();
            Expr? otherwise = Accept("else") ? ParseExpression() : null;
            return new Conditional(condition, value, otherwise);
        }

        return value;
    }

    /// <summary>An expression that stops before a top-level <c>if</c> (for-loop filters).</summary>
    public Expr ParseOrExpression() => ParseOr();

    private Expr ParseOr()
    {
        var left = ParseAnd();
        while (Accept("or"))
        {
            left = new Binary("or", left, ParseAnd());
        }

        return left;
    }

    private Expr ParseAnd()
    {
        var left = ParseNot();
        while (Accept("and"))
        {
            left = new Binary("and", left, ParseNot());
        }

        return left;
    }

    private Expr ParseNot() => Accept("not") ? new Unary("not", ParseNot()) : ParseComparison();

    private Expr ParseComparison()
    {
        var left = ParseConcat();
        while (true)
        {
            if (Peek is "==" or "!=" or "<" or ">" or "<=" or ">=" or "in")
            {
                var op = Next();
                left = new Binary(op, left, ParseConcat());
            }
            else if (Peek == "not" && _position + 1 < _tokens.Count && _tokens[_position + 1] == "in")
            {
                _position += 2;
                left = new Unary("not", new Binary("in", left, ParseConcat()));
            }
            else if (Accept("is"))
            {
                var negated = Accept("not");
                var name = Next();
                var args = new List<Expr>();
                if (Accept("("))
                {
                    while (!Accept(")"))
                    {
                        args.Add(ParseExpression());
                        Accept(",");
                    }
                }

                left = new Test(left, name, negated, args);
            }
            else
            {
                return left;
            }
        }
    }

    private Expr ParseConcat()
    {
        var left = ParseAdditive();
        while (Accept("~"))
        {
            left = new Binary("~", left, ParseAdditive());
        }

        return left;
    }

    private Expr ParseAdditive()
    {
        var left = ParseMultiplicative();
        while (Peek is "+" or "-")
        {
            var op = Next();
            left = new Binary(op, left, ParseMultiplicative());
        }

        return left;
    }

    private Expr ParseMultiplicative()
    {
        var left = ParseUnary();
        while (Peek is "*" or "/" or "//" or "%")
        {
            var op = Next();
            left = new Binary(op, left, ParseUnary());
        }

        return left;
    }

    private Expr ParseUnary() => Accept("-") ? new Unary("-", ParseUnary()) : ParsePostfix(ParsePrimary());

    private Expr ParsePostfix(Expr target)
    {
        while (true)
        {
            if (Accept("."))
            {
                target = new Attribute(target, Next());
            }
            else if (Accept("["))
            {
                Expr? start = Peek == ":" ? null : ParseExpression();
                if (Accept(":"))
                {
                    Expr? stop = Peek is ":" or "]" ? null : ParseExpression();
                    Expr? step = Accept(":") && Peek != "]" ? ParseExpression() : null;
                    Expect("]");
                    target = new Slice(target, start, stop, step);
                }
                else
                {
                    Expect("]");
                    target = new Subscript(target, start!);
                }
            }
            else if (Accept("("))
            {
                var (args, kwargs) = ParseArguments();
                target = new Call(target, args, kwargs);
            }
            else if (Accept("|"))
            {
                var name = Next();
                var (args, kwargs) = Accept("(") ? ParseArguments() : ([], []);
                target = new Filter(target, name, args, kwargs);
            }
            else
            {
                return target;
            }
        }
    }

    private (List<Expr> Args, List<(string, Expr)> Kwargs) ParseArguments()
    {
        var args = new List<Expr>();
        var kwargs = new List<(string, Expr)>();
        while (!Accept(")"))
        {
            if (_position + 1 < _tokens.Count && _tokens[_position + 1] == "=" && ExpressionLexer.IsIdentifier(Peek!))
            {
                var name = Next();
                Next();
                kwargs.Add((name, ParseExpression()));
            }
            else
            {
                args.Add(ParseExpression());
            }

            Accept(",");
        }

        return (args, kwargs);
    }

    private Expr ParsePrimary()
    {
        var token = Next();
        if (token == "(")
        {
            var inner = ParseExpression();
            if (Accept(","))
            {
                var items = new List<Expr> { inner };
                while (!Accept(")"))
                {
                    items.Add(ParseExpression());
                    Accept(",");
                }

                return new ListExpr(items);
            }

            Expect(")");
            return inner;
        }

        if (token == "[")
        {
            var items = new List<Expr>();
            while (!Accept("]"))
            {
                items.Add(ParseExpression());
                Accept(",");
            }

            return new ListExpr(items);
        }

        if (token == "{")
        {
            var items = new List<(Expr, Expr)>();
            while (!Accept("}"))
            {
                var key = ParseExpression();
                Expect(":");
                items.Add((key, ParseExpression()));
                Accept(",");
            }

            return new DictExpr(items);
        }

        if (token[0] is '\'' or '"')
        {
            var text = ExpressionLexer.Unquote(token);
            // Adjacent string literals concatenate, as in Python.
            while (Peek is { } next && next.Length > 0 && next[0] is '\'' or '"')
            {
                text += ExpressionLexer.Unquote(Next());
            }

            return new Literal(text);
        }

        if (char.IsDigit(token[0]))
        {
            return token.Contains('.', StringComparison.Ordinal)
                ? new Literal(double.Parse(token, CultureInfo.InvariantCulture))
                : new Literal(long.Parse(token, CultureInfo.InvariantCulture));
        }

        return token switch
        {
            "true" or "True" => new Literal(true),
            "false" or "False" => new Literal(false),
            "none" or "None" => new Literal(null),
            _ when ExpressionLexer.IsIdentifier(token) => new Name(token),
            _ => throw new JinjaException($"unexpected '{token}'"),
        };
    }
}
