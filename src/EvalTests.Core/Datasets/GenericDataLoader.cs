using System.Text.Json;

namespace EvalTests.Datasets;

/// <summary>
/// Reads a user's data as OpenCompass's <c>CustomDataset</c> does: a CSV whose header row names the columns, or JSON Lines
/// of objects (a UTF-8 byte order mark is skipped, as <c>utf-8-sig</c> does). A card's <c>columns</c> give a column a
/// second name, the one its templates use. Bad rows fail with the file, the line and what was expected.
/// </summary>
internal static class GenericDataLoader
{
    public static IReadOnlyList<DatasetSample> Parse(byte[] bytes, string file, DataFormat format, IReadOnlyDictionary<string, string>? columns)
    {
        var text = DatasetLoader.Decode(bytes, file).TrimStart('\uFEFF');
        var rows = format == DataFormat.Csv ? Csv(text, file) : JsonLines(text, file);
        if (rows.Count == 0)
        {
            throw new DatasetFormatException(file, 1, format == DataFormat.Csv ? "the file has no rows under its header" : "the file holds no rows");
        }

        return [.. rows.Select((row, index) => new DatasetSample(index, row.Line, Map(row.Fields, columns, file, row.Line)))];
    }

    private static List<KeyValuePair<string, string>> Map(List<KeyValuePair<string, string>> fields, IReadOnlyDictionary<string, string>? columns, string file, int line)
    {
        foreach (var (name, column) in columns ?? new Dictionary<string, string>())
        {
            var value = fields.FirstOrDefault(f => f.Key == column);
            if (value.Key is null)
            {
                throw new DatasetFormatException(file, line, $"no '{column}' column, which the card's columns map to {{{name}}} (the row has {string.Join(", ", fields.Select(f => f.Key))})");
            }

            fields.RemoveAll(f => f.Key == name);
            fields.Add(new(name, value.Value));
        }

        return fields;
    }

    private static List<(int Line, List<KeyValuePair<string, string>> Fields)> Csv(string text, string file)
    {
        var records = CsvReader.Read(text, file).ToList();
        if (records.Count == 0)
        {
            throw new DatasetFormatException(file, 1, "the file is empty (expected a header row naming the columns, then one row per question)");
        }

        var header = records[0].Fields;
        if (header.GroupBy(h => h, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw new DatasetFormatException(file, 1, $"the header names the column '{twice.Key}' twice");
        }

        return [.. records.Skip(1).Select(record => record.Fields.Count == header.Count
            ? (record.Line, header.Zip(record.Fields, (h, v) => new KeyValuePair<string, string>(h, v)).ToList())
            : throw new DatasetFormatException(file, record.Line, $"expected {header.Count} columns ({string.Join(",", header)}), found {record.Fields.Count}"))];
    }

    private static List<(int Line, List<KeyValuePair<string, string>> Fields)> JsonLines(string text, string file) =>
        [.. JsonLinesReader.Objects(text, file, "one object per line, e.g. {\"question\": …, \"answer\": …}")
            .Select(o => (o.Line, (List<KeyValuePair<string, string>>)[.. o.Row.EnumerateObject().Select(p => new KeyValuePair<string, string>(p.Name, AsPythonText(p.Value)))]))];

    /// <summary>A value as Python's <c>str()</c> writes it into a prompt or compares it (numbers as written, True/False/None).</summary>
    private static string AsPythonText(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.True => "True",
        JsonValueKind.False => "False",
        JsonValueKind.Null => "None",
        _ => value.GetRawText(),
    };
}
