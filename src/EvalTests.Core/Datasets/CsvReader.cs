using System.Text;

namespace EvalTests.Datasets;

/// <summary>One CSV record and the 1-based line it starts on.</summary>
internal sealed record CsvRecord(int Line, IReadOnlyList<string> Fields);

/// <summary>
/// An RFC 4180 reader that reports the line each record starts on and, like Python's text mode with universal
/// newlines (which OpenCompass reads through), turns <c>\r\n</c> and lone <c>\r</c> inside quoted cells into <c>\n</c>.
/// </summary>
/// <remarks>Written here rather than taken from a package because error messages need exact line numbers and
/// OpenCompass's newline translation; no served CSV library offers both.</remarks>
internal static class CsvReader
{
    public static IEnumerable<CsvRecord> Read(string text, string file)
    {
        var fields = new List<string>();
        var cell = new StringBuilder();
        var line = 1;
        var recordLine = 1;
        var i = 0;
        var inQuotes = false;
        var cellStarted = false;
        while (i < text.Length)
        {
            var c = text[i];
            if (inQuotes)
            {
                if (c == '"')
                {
                    if (i + 1 < text.Length && text[i + 1] == '"')
                    {
                        cell.Append('"');
                        i += 2;
                        continue;
                    }

                    inQuotes = false;
                    i++;
                    continue;
                }

                if (c == '\r' || c == '\n')
                {
                    cell.Append('\n');
                    i += c == '\r' && i + 1 < text.Length && text[i + 1] == '\n' ? 2 : 1;
                    line++;
                    continue;
                }

                cell.Append(c);
                i++;
                continue;
            }

            switch (c)
            {
                case '"' when !cellStarted:
                    inQuotes = true;
                    cellStarted = true;
                    i++;
                    break;
                case ',':
                    fields.Add(cell.ToString());
                    cell.Clear();
                    cellStarted = false;
                    i++;
                    break;
                case '\r' or '\n':
                    fields.Add(cell.ToString());
                    cell.Clear();
                    cellStarted = false;
                    i += c == '\r' && i + 1 < text.Length && text[i + 1] == '\n' ? 2 : 1;
                    yield return new CsvRecord(recordLine, fields);
                    fields = [];
                    line++;
                    recordLine = line;
                    break;
                default:
                    cell.Append(c);
                    cellStarted = true;
                    i++;
                    break;
            }
        }

        if (inQuotes)
        {
            throw new DatasetFormatException(file, recordLine, "a quoted field is never closed (expected a closing '\"')");
        }

        if (cellStarted || fields.Count > 0)
        {
            fields.Add(cell.ToString());
            yield return new CsvRecord(recordLine, fields);
        }
    }
}
