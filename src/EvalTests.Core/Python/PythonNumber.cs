using System.Globalization;
using System.Text;

namespace EvalTests.Python;

/// <summary>
/// A number as Python's <c>int()</c> and <c>float()</c> read it from text: surrounding white space, a sign, digits of any
/// script (Python accepts every Unicode decimal digit: <c>int('８') == 8</c>, <c>float('١٢.٥') == 12.5</c>), and single
/// underscores between digits. .NET's parsers take ASCII digits only, so every place where OpenCompass turns model or judge
/// text into a number goes through here.
/// </summary>
public static class PythonNumber
{
    /// <summary>Python's <c>int(text)</c>; false where Python raises <c>ValueError</c> (or the value does not fit a long).</summary>
    public static bool TryParseInt(string text, out long value)
    {
        value = 0;
        return ToAscii(text, allowFloat: false) is { } ascii
            && long.TryParse(ascii, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>Python's <c>float(text)</c>, <c>inf</c>, <c>infinity</c> and <c>nan</c> included; false where Python raises <c>ValueError</c>.</summary>
    public static bool TryParseFloat(string text, out double value)
    {
        value = 0;
        if (ToAscii(text, allowFloat: true) is not { } ascii)
        {
            return false;
        }

        var lower = ascii.ToLowerInvariant();
        var negative = lower.StartsWith('-');
        var unsigned = lower.Length > 0 && lower[0] is '+' or '-' ? lower[1..] : lower;
        if (unsigned is "inf" or "infinity" or "nan")
        {
            value = unsigned == "nan" ? double.NaN : negative ? double.NegativeInfinity : double.PositiveInfinity;
            return true;
        }

        // Python needs a digit in the mantissa and takes no thousands separators, hex, or .NET's "Infinity" spellings alone.
        return ascii.Any(char.IsAsciiDigit)
            && ascii.All(c => char.IsAsciiDigit(c) || c is '+' or '-' or '.' or 'e' or 'E')
            && double.TryParse(ascii, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }

    private static readonly char[] TrimmedByNumbers = [' ', '\t', '\n', '\r', '\v', '\f', .. Enumerable.Range(0x80, 0x3000 - 0x80 + 1).Select(i => (char)i).Where(PythonText.IsSpace)];

    /// <summary>
    /// The text with white space stripped, every Unicode decimal digit turned into its ASCII digit and the underscores
    /// Python allows (one, between two digits) removed; null when an underscore stands anywhere else.
    /// </summary>
    private static string? ToAscii(string text, bool allowFloat)
    {
        // int() and float() turn non-ASCII white space into spaces, then skip C's ASCII white space only (so '\x1c5'
        // fails although '\x1c'.isspace() holds).
        var stripped = text.Trim(TrimmedByNumbers);
        var ascii = new StringBuilder(stripped.Length);
        var previousDigit = false;
        var pendingUnderscore = false;
        foreach (var rune in stripped.EnumerateRunes())
        {
            if (Rune.GetUnicodeCategory(rune) == UnicodeCategory.DecimalDigitNumber)
            {
                ascii.Append((char)('0' + (int)Rune.GetNumericValue(rune)));
                previousDigit = true;
                pendingUnderscore = false;
            }
            else if (rune.Value == '_')
            {
                if (!previousDigit)
                {
                    return null;
                }

                pendingUnderscore = true;
                previousDigit = false;
            }
            else
            {
                if (pendingUnderscore || rune.Value > 0x7F || (!allowFloat && rune.Value is not ('+' or '-')))
                {
                    return null;
                }

                ascii.Append((char)rune.Value);
                previousDigit = false;
            }
        }

        return pendingUnderscore ? null : ascii.ToString();
    }
}
