using System.Globalization;
using System.Text;

namespace EvalTests.Onnx.Prompting.Jinja;

/// <summary>Splits an expression into tokens (names, numbers, quoted strings, operators) and reads literals back.</summary>
internal static class ExpressionLexer
{
    public static bool IsIdentifier(string token) => token.Length > 0 && (char.IsLetter(token[0]) || token[0] == '_');

    public static string Unquote(string token)
    {
        var builder = new StringBuilder();
        for (var i = 1; i < token.Length - 1; i++)
        {
            var c = token[i];
            if (c == '\\' && i + 1 < token.Length - 1)
            {
                var escaped = token[++i];
                builder.Append(escaped switch { 'n' => '\n', 't' => '\t', 'r' => '\r', _ => escaped });
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    public static List<string> Tokenize(string source)
    {
        var tokens = new List<string>();
        var i = 0;
        while (i < source.Length)
        {
            var c = source[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
                continue;
            }

            var start = i;
            if (c is '\'' or '"')
            {
                i++;
                while (i < source.Length && source[i] != c)
                {
                    i += source[i] == '\\' ? 2 : 1;
                }

                i++;
            }
            else if (char.IsLetter(c) || c == '_')
            {
                while (i < source.Length && (char.IsLetterOrDigit(source[i]) || source[i] == '_'))
                {
                    i++;
                }
            }
            else if (char.IsDigit(c))
            {
                while (i < source.Length && (char.IsDigit(source[i]) || (source[i] == '.' && i + 1 < source.Length && char.IsDigit(source[i + 1]))))
                {
                    i++;
                }
            }
            else
            {
                var two = i + 1 < source.Length ? source.Substring(i, 2) : string.Empty;
                i += two is "==" or "!=" or "<=" or ">=" or "//" ? 2 : 1;
            }

            tokens.Add(source[start..Math.Min(i, source.Length)]);
        }

        return tokens;
    }
}
