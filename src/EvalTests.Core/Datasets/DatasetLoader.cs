using System.Text;
using System.Text.Json;

namespace EvalTests.Datasets;

/// <summary>
/// Reads benchmark files into samples (the CSVs of C-Eval and CMMLU, the JSON Lines of GSM8K and AlignBench), rejecting
/// bad rows with <c>file:line</c> errors.
/// </summary>
public static class DatasetLoader
{
    private static readonly string[] OptionColumns = ["A", "B", "C", "D"];
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Loads one subset's split from the benchmark folder.</summary>
    /// <exception cref="DatasetFormatException">A row is malformed.</exception>
    /// <exception cref="FileNotFoundException">The file is missing.</exception>
    public static IReadOnlyList<DatasetSample> Load(DatasetCard card, string benchmarkFolder, string split, string subset)
    {
        var path = Path.Combine(benchmarkFolder, card.RelativePath(split, subset));
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path}: missing data file of {card.Title} subset '{subset}' (split '{split}').", path);
        }

        var samples = card.Format is DataFormat.Csv or DataFormat.Jsonl
            ? GenericDataLoader.Parse(File.ReadAllBytes(path), path, card.Format, card.Columns)
            : Parse(File.ReadAllBytes(path), path, card.Format);
        return card.Format == DataFormat.AlignBenchJsonl ? AlignBenchConfig.Load(benchmarkFolder).AddJudgePrefixes(samples, path) : samples;
    }

    /// <summary>
    /// The files one subset reads, relative to the benchmark folder: its evaluated split, its few-shot split when the card
    /// has one, and the format's own files (AlignBench's dimension config).
    /// </summary>
    public static IReadOnlyList<string> DataFiles(DatasetCard card, string subset)
    {
        var files = new List<string> { card.RelativePath(card.Splits.Eval, subset) };
        if (card.Splits.FewShot is { } fewShot)
        {
            files.Add(card.RelativePath(fewShot, subset));
        }

        if (card.Format == DataFormat.AlignBenchJsonl)
        {
            files.AddRange(AlignBenchConfig.Files);
        }

        return files;
    }

    /// <summary>Parses file contents in the given card format.</summary>
    public static IReadOnlyList<DatasetSample> Parse(byte[] bytes, string file, DataFormat format)
    {
        var text = Decode(bytes, file);
        if (format is DataFormat.Gsm8kJsonl or DataFormat.AlignBenchJsonl)
        {
            var rows = ParseJsonLines(text, file, format);
            return rows.Count > 0 ? rows : throw new DatasetFormatException(file, 1, "the file holds no rows");
        }

        var records = CsvReader.Read(text, file).ToList();
        if (records.Count == 0)
        {
            throw new DatasetFormatException(file, 1, "the file is empty (expected a header row and at least one question)");
        }

        var samples = format == DataFormat.CevalCsv ? ParseCeval(records, file) : ParseCmmlu(records, file);
        if (samples.Count == 0)
        {
            throw new DatasetFormatException(file, 2, "the file has a header but no questions");
        }

        return samples;
    }

    private static List<DatasetSample> ParseCeval(List<CsvRecord> records, string file)
    {
        var header = records[0].Fields;
        string[] required = ["question", .. OptionColumns, "answer"];
        foreach (var column in required)
        {
            if (!header.Contains(column))
            {
                throw new DatasetFormatException(file, 1, $"the header has no '{column}' column (expected id,question,A,B,C,D,answer[,explanation])");
            }
        }

        var samples = new List<DatasetSample>();
        foreach (var record in records.Skip(1))
        {
            if (record.Fields.Count != header.Count)
            {
                throw new DatasetFormatException(file, record.Line, $"expected {header.Count} columns ({string.Join(",", header)}), found {record.Fields.Count}");
            }

            var fields = header.Zip(record.Fields, (h, v) => new KeyValuePair<string, string>(h, v)).ToList();
            // CUSTOM: as OpenCompass's CEvalDataset, rows without these columns get them empty.
            if (!header.Contains("explanation"))
            {
                fields.Add(new("explanation", string.Empty));
            }

            samples.Add(Validate(new DatasetSample(samples.Count, record.Line, fields), file));
        }

        return samples;
    }

    private static List<DatasetSample> ParseCmmlu(List<CsvRecord> records, string file)
    {
        var samples = new List<DatasetSample>();
        foreach (var record in records.Skip(1))
        {
            if (record.Fields.Count != 7)
            {
                throw new DatasetFormatException(file, record.Line, $"expected 7 columns (,Question,A,B,C,D,Answer), found {record.Fields.Count}");
            }

            var fields = new List<KeyValuePair<string, string>>
            {
                new("question", record.Fields[1]),
                new("A", record.Fields[2]),
                new("B", record.Fields[3]),
                new("C", record.Fields[4]),
                new("D", record.Fields[5]),
                new("answer", record.Fields[6]),
            };
            samples.Add(Validate(new DatasetSample(samples.Count, record.Line, fields), file));
        }

        return samples;
    }

    /// <summary>One JSON object per line; blank lines are skipped, every other line must hold the format's keys as strings or numbers.</summary>
    private static List<DatasetSample> ParseJsonLines(string text, string file, DataFormat format)
    {
        var (keys, expected) = format == DataFormat.Gsm8kJsonl
            ? ((string[])["question", "answer"], "{\"question\": …, \"answer\": \"… #### n\"}")
            : (["question_id", "category", "subcategory", "question", "reference"], "{\"question_id\", \"category\", \"subcategory\", \"question\", \"reference\", …}");
        var samples = new List<DatasetSample>();
        foreach (var (line, row) in JsonLinesReader.Objects(text, file, expected))
        {
            var fields = new List<KeyValuePair<string, string>>();
            foreach (var key in keys)
            {
                if (!row.TryGetProperty(key, out var value) || value.ValueKind is not (JsonValueKind.String or JsonValueKind.Number))
                {
                    throw new DatasetFormatException(file, line, $"the field '{key}' is missing or not a string (expected {expected})");
                }

                fields.Add(new(key == "category" ? "capability" : key, value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText()));
            }

            var sample = new DatasetSample(samples.Count, line, fields);
            if (string.IsNullOrWhiteSpace(sample.Question))
            {
                throw new DatasetFormatException(file, line, "the question is empty");
            }

            if (format == DataFormat.Gsm8kJsonl && !sample.Answer.Contains("#### ", StringComparison.Ordinal))
            {
                throw new DatasetFormatException(file, line, "the answer has no final '#### <number>' line");
            }

            samples.Add(sample);
        }

        return samples;
    }

    private static DatasetSample Validate(DatasetSample sample, string file)
    {
        if (string.IsNullOrWhiteSpace(sample.Question))
        {
            throw new DatasetFormatException(file, sample.Line, "the question is empty");
        }

        if (!OptionColumns.Contains(sample.Answer))
        {
            throw new DatasetFormatException(file, sample.Line, $"the answer '{sample.Answer}' is not one of the options A, B, C, D");
        }

        return sample;
    }

    internal static string Decode(byte[] bytes, string file)
    {
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            var status = System.Text.Unicode.Utf8.ToUtf16(bytes, new char[bytes.Length], out var validBytes, out _, replaceInvalidSequences: false);
            var line = 1 + bytes.AsSpan(0, validBytes).Count((byte)'\n');
            throw new DatasetFormatException(file, line, $"invalid UTF-8 at byte {validBytes} ({status}); the file must be UTF-8 encoded");
        }
    }
}
