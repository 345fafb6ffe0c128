using System.Globalization;
using System.Text;

namespace EvalTests.Python;

/// <summary>Formats values the way Python's <c>repr</c> and <c>str</c> do, for OpenCompass's raw summary section.</summary>
public static class PythonRepr
{
    /// <summary>A float as Python prints it: shortest round-trip digits, always with a decimal point or exponent.</summary>
    public static string FormatFloat(double value)
    {
        if (double.IsNaN(value))
        {
            return "nan";
        }

        if (double.IsInfinity(value))
        {
            return value > 0 ? "inf" : "-inf";
        }

        var text = value.ToString("R", CultureInfo.InvariantCulture);
        if (text.Contains('E', StringComparison.Ordinal))
        {
            // .NET writes 1E-05 / 1E+16; Python writes 1e-05 / 1e+16.
            var parts = text.Split('E');
            var exponent = int.Parse(parts[1], CultureInfo.InvariantCulture);
            return $"{parts[0]}e{(exponent < 0 ? "-" : "+")}{Math.Abs(exponent):00}";
        }

        var exponent10 = value == 0 ? 0 : (int)Math.Floor(Math.Log10(Math.Abs(value)));
        if (exponent10 >= 16)
        {
            var mantissa = (value / Math.Pow(10, exponent10)).ToString("R", CultureInfo.InvariantCulture);
            return $"{mantissa}e+{exponent10:00}";
        }

        return text.Contains('.', StringComparison.Ordinal) ? text : text + ".0";
    }

    /// <summary>A string as Python's repr quotes it (single quotes unless the text holds one and no double quote).</summary>
    public static string FormatString(string value)
    {
        var quote = value.Contains('\'', StringComparison.Ordinal) && !value.Contains('"', StringComparison.Ordinal) ? '"' : '\'';
        var builder = new StringBuilder().Append(quote);
        foreach (var c in value)
        {
            builder.Append(c switch
            {
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ when c == quote => "\\" + c,
                _ => c.ToString(),
            });
        }

        return builder.Append(quote).ToString();
    }
}
