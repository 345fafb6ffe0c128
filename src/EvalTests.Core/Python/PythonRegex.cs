using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace EvalTests.Python;

/// <summary>
/// A pattern written for Python's <c>re</c> (as OpenCompass's postprocessors and configs write them), compiled so that .NET
/// matches what Python matches. The syntax is shared except for the pieces translated here: Python's <c>\w</c>, <c>\b</c>
/// and <c>\s</c> follow <c>str.isalnum()</c>/<c>str.isspace()</c> (see <see cref="PythonText"/>), <c>\Z</c> is .NET's
/// <c>\z</c>, <c>(?P&lt;name&gt;…)</c>/<c>(?P=name)</c> name groups, <c>{,n}</c> means <c>{0,n}</c>, and <c>\UXXXXXXXX</c>
/// escapes a code point.
/// </summary>
public static class PythonRegex
{
    // Python's \w: letters (L*), Nd, Nl, No and '_'.
    private const string WordClass = @"\p{L}\p{Nd}\p{Nl}\p{No}_";
    private const string SpaceClass = @"\s\x1C-\x1F";
    private const string Word = "[" + WordClass + "]";

    /// <summary>Compiles a Python pattern; <paramref name="dotAll"/> is Python's <c>re.DOTALL</c>, <paramref name="ignoreCase"/> its <c>re.IGNORECASE</c>.</summary>
    /// <exception cref="ArgumentException">The pattern is not valid.</exception>
    public static Regex Compile(string pattern, bool dotAll = false, bool ignoreCase = false)
    {
        var options = RegexOptions.CultureInvariant | (dotAll ? RegexOptions.Singleline : 0) | (ignoreCase ? RegexOptions.IgnoreCase : 0);
        try
        {
            return new Regex(Translate(pattern), options, TimeSpan.FromSeconds(2));
        }
        catch (ArgumentException ex)
        {
            throw new ArgumentException($"'{pattern}' is not a valid regular expression: {ex.Message}", ex);
        }
    }

    /// <summary>The .NET pattern that matches what the Python pattern matches.</summary>
    public static string Translate(string pattern)
    {
        var result = new StringBuilder(pattern.Length + 16);
        var i = 0;
        while (i < pattern.Length)
        {
            var c = pattern[i];
            if (c == '\\' && i + 1 < pattern.Length)
            {
                i = Escape(pattern, i, result, inClass: false);
            }
            else if (c == '[')
            {
                i = CharacterClass(pattern, i, result);
            }
            else if (pattern.AsSpan(i).StartsWith("(?P<"))
            {
                result.Append("(?<");
                i += 4;
            }
            else if (pattern.AsSpan(i).StartsWith("(?P=") && pattern.IndexOf(')', i) is > 0 and var close)
            {
                result.Append(@"\k<").Append(pattern, i + 4, close - i - 4).Append('>');
                i = close + 1;
            }
            else if (c == '{' && UpToQuantifier(pattern, i) is > 0 and var end && pattern[i + 1] == ',')
            {
                result.Append("{0").Append(pattern, i + 1, end - i);
                i = end + 1;
            }
            else
            {
                result.Append(c);
                i++;
            }
        }

        return result.ToString();
    }

    private static int Escape(string pattern, int i, StringBuilder result, bool inClass)
    {
        var next = pattern[i + 1];
        switch (next)
        {
            case 'w':
                result.Append(inClass ? WordClass : Word);
                return i + 2;
            case 'W' when !inClass:
                result.Append("[^" + WordClass + "]");
                return i + 2;
            case 's':
                result.Append(inClass ? SpaceClass : "[" + SpaceClass + "]");
                return i + 2;
            case 'S' when !inClass:
                result.Append("[^" + SpaceClass + "]");
                return i + 2;
            case 'b' when !inClass:
                result.Append($"(?:(?<={Word})(?!{Word})|(?<!{Word})(?={Word}))");
                return i + 2;
            case 'B' when !inClass:
                result.Append($"(?:(?<={Word})(?={Word})|(?<!{Word})(?!{Word}))");
                return i + 2;
            case 'Z' when !inClass:
                result.Append(@"\z");
                return i + 2;
            case 'U' when i + 10 <= pattern.Length && int.TryParse(pattern.AsSpan(i + 2, 8), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var codePoint):
                result.Append(Regex.Escape(char.ConvertFromUtf32(codePoint)));
                return i + 10;
            default:
                // \W and \S inside a class keep .NET's meaning: a class cannot hold a negated class (Python patterns
                // such as [\W] are translated as a whole by CharacterClass).
                result.Append('\\').Append(next);
                return i + 2;
        }
    }

    private static int CharacterClass(string pattern, int start, StringBuilder result)
    {
        // [\W] and [^\w] (and the \S forms) are whole negated classes.
        foreach (var (python, dotnet) in (ReadOnlySpan<(string, string)>)[(@"[\W]", "[^" + WordClass + "]"), (@"[^\w]", "[^" + WordClass + "]"), (@"[\S]", "[^" + SpaceClass + "]"), (@"[^\s]", "[^" + SpaceClass + "]")])
        {
            if (pattern.AsSpan(start).StartsWith(python))
            {
                result.Append(dotnet);
                return start + python.Length;
            }
        }

        result.Append('[');
        var i = start + 1;
        if (i < pattern.Length && pattern[i] == '^')
        {
            result.Append('^');
            i++;
        }

        // A ']' first in the class is a literal in Python.
        if (i < pattern.Length && pattern[i] == ']')
        {
            result.Append(@"\]");
            i++;
        }

        while (i < pattern.Length && pattern[i] != ']')
        {
            if (pattern[i] == '\\' && i + 1 < pattern.Length)
            {
                i = Escape(pattern, i, result, inClass: true);
            }
            else
            {
                // .NET reads '[' inside a class as the start of a subtraction when it follows '-'; Python as a literal.
                result.Append(pattern[i] == '[' ? @"\[" : pattern[i].ToString());
                i++;
            }
        }

        if (i < pattern.Length)
        {
            result.Append(']');
            i++;
        }

        return i;
    }

    /// <summary>The index of the '}' closing a Python quantifier <c>{m}</c>, <c>{m,}</c>, <c>{,n}</c>, <c>{m,n}</c> at <paramref name="i"/>, or -1.</summary>
    private static int UpToQuantifier(string pattern, int i)
    {
        var close = pattern.IndexOf('}', i);
        if (close < 0)
        {
            return -1;
        }

        var body = pattern.AsSpan(i + 1, close - i - 1);
        var comma = body.IndexOf(',');
        var ok = body.Length > 0 && (comma < 0
            ? IsDigits(body)
            : (comma == 0 || IsDigits(body[..comma])) && (comma == body.Length - 1 || IsDigits(body[(comma + 1)..])));
        return ok ? close : -1;
    }

    private static bool IsDigits(ReadOnlySpan<char> text) => text.Length > 0 && !text.ContainsAnyExceptInRange('0', '9');
}
