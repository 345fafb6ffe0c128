using System.Text;

namespace EvalTests.Datasets;

/// <summary>Reads the multiple-choice CSV files of C-Eval and CMMLU into samples, rejecting bad rows with <c>file:line</c> errors.</summary>
public static class MultipleChoiceLoader
{
    private static readonly string[] OptionColumns = ["A", "B", "C", "D"];
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Loads one subset's split from the benchmark folder.</summary>
    /// <exception cref="DatasetFormatException">A row is malformed.</exception>
    /// <exception cref="FileNotFoundException">The file is missing.</exception>
    public static IReadOnlyList<MultipleChoiceSample> Load(DatasetCard card, string benchmarkFolder, string split, string subset)
    {
        var path = Path.Combine(benchmarkFolder, card.RelativePath(split, subset));
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path}: missing data file of {card.Title} subset '{subset}' (split '{split}').", path);
        }

        return Parse(File.ReadAllBytes(path), path, card.Format);
    }

    /// <summary>Parses file contents in the given card format.</summary>
    public static IReadOnlyList<MultipleChoiceSample> Parse(byte[] bytes, string file, string format)
    {
        var text = Decode(bytes, file);
        var records = CsvReader.Read(text, file).ToList();
        if (records.Count == 0)
        {
            throw new DatasetFormatException(file, 1, "the file is empty (expected a header row and at least one question)");
        }

        var samples = format switch
        {
            "ceval-csv" => ParseCeval(records, file),
            "cmmlu-csv" => ParseCmmlu(records, file),
            _ => throw new DatasetFormatException(file, 0, $"unknown card format '{format}' (expected ceval-csv or cmmlu-csv)"),
        };
        if (samples.Count == 0)
        {
            throw new DatasetFormatException(file, 2, "the file has a header but no questions");
        }

        return samples;
    }

    private static List<MultipleChoiceSample> ParseCeval(List<CsvRecord> records, string file)
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

        var samples = new List<MultipleChoiceSample>();
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

            samples.Add(Validate(new MultipleChoiceSample(samples.Count, record.Line, fields), file));
        }

        return samples;
    }

    private static List<MultipleChoiceSample> ParseCmmlu(List<CsvRecord> records, string file)
    {
        var samples = new List<MultipleChoiceSample>();
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
            samples.Add(Validate(new MultipleChoiceSample(samples.Count, record.Line, fields), file));
        }

        return samples;
    }

    private static MultipleChoiceSample Validate(MultipleChoiceSample sample, string file)
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

    private static string Decode(byte[] bytes, string file)
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
