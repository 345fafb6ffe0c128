using System.Globalization;
using System.Text;
using EvalTests.Python;

namespace EvalTests.Reporting;

/// <summary>
/// Python <c>tabulate</c>'s "simple" format as OpenCompass calls it (<c>headers='firstrow', floatfmt='.2f'</c>):
/// columns whose every cell is a number are right-aligned on the decimal point, others left-aligned, two spaces
/// between columns, each column at least two wider than its header, dashes under the header.
/// </summary>
/// <remarks>Written here because no .NET table library reproduces tabulate's type inference and padding byte for byte,
/// and OpenCompass's summary files are compared as text.</remarks>
public static class Tabulate
{
    private const int MinPadding = 2;

    /// <summary>Formats a table whose first row is the header.</summary>
    /// <param name="table">The header row, then the rows.</param>
    /// <param name="reformatNumbers">
    /// Rewrite numeric cells with two decimals, as OpenCompass's <c>floatfmt='.2f'</c> does; false keeps each number as
    /// written (a p-value's four decimals, a sign), aligned all the same.
    /// </param>
    public static string Simple(IReadOnlyList<IReadOnlyList<string>> table, bool reformatNumbers = true)
    {
        ArgumentNullException.ThrowIfNull(table);
        var header = table[0];
        var rows = table.Skip(1).ToList();
        var columns = header.Count;
        var lines = new List<string>();
        var cells = new string[rows.Count, columns];
        var widths = new int[columns];
        var numeric = new bool[columns];

        for (var c = 0; c < columns; c++)
        {
            var values = rows.Select(r => c < r.Count ? r[c] : string.Empty).ToList();
            var type = values.Select(CellType).DefaultIfEmpty(ColumnType.String).Max();
            numeric[c] = type != ColumnType.String && values.Count > 0;
            var formatted = values.Select(v => reformatNumbers ? Format(v, type) : v).ToList();
            if (numeric[c])
            {
                var decimals = formatted.Select(AfterPoint).ToList();
                var maxDecimals = decimals.Max();
                formatted = formatted.Select((v, i) => v + new string(' ', maxDecimals - decimals[i])).ToList();
            }

            widths[c] = Math.Max(header[c].Length + MinPadding, formatted.Select(DisplayWidth).DefaultIfEmpty(0).Max());
            for (var r = 0; r < rows.Count; r++)
            {
                cells[r, c] = numeric[c] ? PadLeft(formatted[r], widths[c]) : PadRight(formatted[r], widths[c]);
            }
        }

        lines.Add(string.Join("  ", header.Select((h, c) => numeric[c] ? PadLeft(h, widths[c]) : PadRight(h, widths[c]))));
        lines.Add(string.Join("  ", widths.Select(w => new string('-', w))));
        for (var r = 0; r < rows.Count; r++)
        {
            lines.Add(string.Join("  ", Enumerable.Range(0, columns).Select(c => cells[r, c])));
        }

        // tabulate builds every row with rstrip(), so left-aligned last columns carry no trailing spaces.
        return string.Join("\n", lines.Select(line => line.TrimEnd(' ')));
    }

    /// <summary>A table (first row the header) as OpenCompass's summary writes markdown.</summary>
    public static string Markdown(IReadOnlyList<IReadOnlyList<string>> table)
    {
        ArgumentNullException.ThrowIfNull(table);
        var text = new StringBuilder();
        text.Append("| ").Append(string.Join(" | ", table[0])).Append(" |\n");
        text.Append('|').Append(string.Join(" | ", table[0].Select(_ => "-----"))).Append("|\n");
        foreach (var row in table.Skip(1))
        {
            text.Append("| ").Append(string.Join(" | ", row.Select(cell => cell.Replace("|", "\\|", StringComparison.Ordinal)))).Append(" |\n");
        }

        return text.ToString();
    }

    /// <summary>A table (first row the header) as OpenCompass's summary writes csv: commas inside cells become spaces.</summary>
    public static string Csv(IReadOnlyList<IReadOnlyList<string>> table)
    {
        ArgumentNullException.ThrowIfNull(table);
        return string.Join("\n", table.Select(row => string.Join(",", row.Select(c => c.Replace(',', ' '))))) + "\n";
    }

    private enum ColumnType
    {
        Int,
        Float,
        String,
    }

    private static ColumnType CellType(string value)
    {
        if (IsInt(value))
        {
            return ColumnType.Int;
        }

        return IsFloat(value) ? ColumnType.Float : ColumnType.String;
    }

    private static bool IsInt(string value) =>
        value.Length > 0 && long.TryParse(value.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _);

    private static bool IsFloat(string value) =>
        value.Length > 0 && double.TryParse(value.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out _);

    private static string Format(string value, ColumnType type) => type switch
    {
        ColumnType.Int => long.Parse(value.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture),
        ColumnType.Float => double.Parse(value.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture).ToString("F2", CultureInfo.InvariantCulture),
        _ => value,
    };

    private static int AfterPoint(string value)
    {
        if (IsInt(value))
        {
            return -1;
        }

        var point = value.LastIndexOf('.');
        if (point < 0)
        {
            point = value.ToLowerInvariant().LastIndexOf('e');
        }

        return point >= 0 ? value.Length - point - 1 : -1;
    }

    private static string PadLeft(string value, int width) => new string(' ', Math.Max(0, width - DisplayWidth(value))) + value;

    private static string PadRight(string value, int width) => value + new string(' ', Math.Max(0, width - DisplayWidth(value)));

    // tabulate counts characters (wcwidth is off by default), which is what string length gives for BMP text.
    private static int DisplayWidth(string value) => new StringInfo(value).LengthInTextElements;
}
