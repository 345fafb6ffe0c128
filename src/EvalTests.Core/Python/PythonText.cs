using System.Globalization;
using System.Text;

namespace EvalTests.Python;

/// <summary>Python's <c>str</c> predicates where OpenCompass's text handling depends on them and .NET's differ.</summary>
public static class PythonText
{
    /// <summary>
    /// Python's <c>str.isspace()</c> on one character: .NET's white space plus the separators U+001C–U+001F, which
    /// Python counts (bidirectional class B or S) and .NET does not.
    /// </summary>
    public static bool IsSpace(char c) => char.IsWhiteSpace(c) || c is >= '\x1C' and <= '\x1F';

    /// <summary>
    /// Python's <c>str.isupper()</c> on one character: Lu letters and the Other_Uppercase symbols (circled and
    /// parenthesised capitals, Roman numerals), which .NET files under other categories.
    /// </summary>
    public static bool IsUpper(Rune rune) =>
        Rune.IsUpper(rune) ||
        rune.Value is >= 0x2160 and <= 0x216F ||
        rune.Value is >= 0x24B6 and <= 0x24CF ||
        rune.Value is >= 0x1F130 and <= 0x1F149 ||
        rune.Value is >= 0x1F150 and <= 0x1F169 ||
        rune.Value is >= 0x1F170 and <= 0x1F189;

    /// <summary>
    /// Whether Python's <c>\w</c> matches the character in a <c>str</c> pattern: <c>str.isalnum()</c> (letters, and
    /// decimal, digit and numeric characters: Nd, Nl, No) or the underscore. .NET's <c>\w</c> also takes combining marks
    /// and every connector punctuation, and leaves out Nl and No.
    /// </summary>
    public static bool IsWordCharacter(Rune rune) =>
        rune.Value == '_' || Rune.GetUnicodeCategory(rune) is UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter
            or UnicodeCategory.TitlecaseLetter or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter
            or UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber;

    /// <summary>Python's <c>str.strip()</c> with no argument.</summary>
    public static string Strip(string text)
    {
        var start = 0;
        var end = text.Length;
        while (start < end && IsSpace(text[start]))
        {
            start++;
        }

        while (end > start && IsSpace(text[end - 1]))
        {
            end--;
        }

        return text[start..end];
    }
}
