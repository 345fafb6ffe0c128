using System.Text.Json;

namespace EvalTests.Datasets;

/// <summary>The objects of a JSON Lines data file, one per non-blank line, each with its 1-based line number.</summary>
internal static class JsonLinesReader
{
    /// <summary>Every line's object.</summary>
    /// <param name="text">The file's text.</param>
    /// <param name="file">The file, for errors.</param>
    /// <param name="expected">What a line should hold, as the error says it (e.g. <c>one object per line, e.g. {…}</c>).</param>
    /// <exception cref="DatasetFormatException">A line is not JSON, or not an object; names the file and line.</exception>
    public static IEnumerable<(int Line, JsonElement Row)> Objects(string text, string file, string expected)
    {
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r');
            if (line.Trim().Length == 0)
            {
                continue;
            }

            JsonElement row;
            try
            {
                row = JsonDocument.Parse(line).RootElement;
            }
            catch (JsonException ex)
            {
                throw new DatasetFormatException(file, i + 1, $"not a JSON object ({ex.Message}); expected {expected}");
            }

            yield return row.ValueKind == JsonValueKind.Object
                ? (i + 1, row)
                : throw new DatasetFormatException(file, i + 1, $"expected a JSON object ({expected}), found {row.ValueKind}");
        }
    }
}
