using System.Text;

namespace EvalTests.Onnx.Prompting.Jinja;

internal enum JinjaTokenKind
{
    Text,
    Output,
    Statement,
}

/// <summary>A piece of template source: literal text, or the inside of a <c>{{ }}</c> / <c>{% %}</c> tag, and the line it starts on.</summary>
internal sealed record JinjaSegment(JinjaTokenKind Kind, string Content, int Line);

/// <summary>
/// Splits a template into text and tags, applying whitespace control (<c>-</c> markers) and the
/// <c>trim_blocks</c> / <c>lstrip_blocks</c> options that Hugging Face uses for chat templates.
/// </summary>
internal static class JinjaLexer
{
    private static int LineOf(string source, int offset) => 1 + source.AsSpan(0, Math.Min(offset, source.Length)).Count('\n');

    public static List<JinjaSegment> Split(string source)
    {
        var segments = new List<JinjaSegment>();
        var text = new StringBuilder();
        var i = 0;
        var trimNextText = false;
        while (i < source.Length)
        {
            var open = source.IndexOf('{', i);
            while (open >= 0 && open + 1 < source.Length && source[open + 1] is not ('{' or '%' or '#'))
            {
                open = source.IndexOf('{', open + 1);
            }

            if (open < 0 || open + 1 >= source.Length)
            {
                text.Append(source, i, source.Length - i);
                break;
            }

            text.Append(source, i, open - i);
            var kind = source[open + 1];
            var close = kind switch { '{' => "}}", '%' => "%}", _ => "#}" };
            var end = FindClose(source, open + 2, close);
            if (end < 0)
            {
                throw new JinjaException($"unclosed tag starting at offset {open}").At(LineOf(source, open));
            }

            var inner = source[(open + 2)..end];
            var stripBefore = inner.StartsWith('-');
            var stripAfter = inner.EndsWith('-');
            inner = inner.Trim('-').Trim();

            var pending = text.ToString();
            if (trimNextText)
            {
                pending = pending.TrimStart();
            }

            if (stripBefore)
            {
                pending = pending.TrimEnd();
            }
            else if (kind != '{')
            {
                // lstrip_blocks: spaces and tabs from the start of a line up to a block or comment tag go.
                var lineStart = pending.LastIndexOf('\n') + 1;
                if (pending[lineStart..].All(c => c is ' ' or '\t'))
                {
                    pending = pending[..lineStart];
                }
            }

            if (pending.Length > 0)
            {
                segments.Add(new JinjaSegment(JinjaTokenKind.Text, pending, LineOf(source, i)));
            }

            text.Clear();
            if (kind == '{')
            {
                segments.Add(new JinjaSegment(JinjaTokenKind.Output, inner, LineOf(source, open)));
            }
            else if (kind == '%')
            {
                segments.Add(new JinjaSegment(JinjaTokenKind.Statement, inner, LineOf(source, open)));
            }

            i = end + 2;
            trimNextText = stripAfter;
            // trim_blocks: the first newline after a block or comment tag goes.
            if (!stripAfter && kind != '{' && i < source.Length && source[i] == '\n')
            {
                i++;
            }
        }

        var rest = text.ToString();
        if (trimNextText)
        {
            rest = rest.TrimStart();
        }

        if (rest.Length > 0)
        {
            segments.Add(new JinjaSegment(JinjaTokenKind.Text, rest, LineOf(source, source.Length - rest.Length)));
        }

        return segments;
    }

    private static int FindClose(string source, int start, string close)
    {
        var quote = '\0';
        for (var i = start; i < source.Length - 1; i++)
        {
            var c = source[i];
            if (quote != '\0')
            {
                if (c == '\\')
                {
                    i++;
                }
                else if (c == quote)
                {
                    quote = '\0';
                }

                continue;
            }

            if (c is '\'' or '"' && close != "#}")
            {
                quote = c;
                continue;
            }

            if (c == close[0] && source[i + 1] == close[1])
            {
                return i;
            }
        }

        return -1;
    }
}
