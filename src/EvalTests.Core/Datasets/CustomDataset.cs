using System.Text.Json;
using EvalTests.Scoring;

namespace EvalTests.Datasets;

/// <summary>What a quick custom dataset holds: multiple-choice questions (columns A, B, …) or question–answer pairs.</summary>
public enum CustomDataType
{
    /// <summary>Options in columns A, B, … and the gold letter in <c>answer</c>.</summary>
    Mcq,

    /// <summary>A question and a free-form gold answer.</summary>
    Qa,
}

/// <summary>
/// OpenCompass's quick custom dataset (<c>--custom-dataset-path</c>, <c>opencompass/datasets/custom.py</c>): a
/// <c>.jsonl</c> or <c>.csv</c> file becomes a card with OpenCompass's default prompts. Its first row decides: columns
/// A, B, … (consecutive from A, at least two) make a multiple-choice set, else a question–answer set; <c>answer</c> is the
/// gold column; the name is the file name up to its first dot. A <c>&lt;file&gt;.meta.json</c> beside it (or the given
/// meta file) may set <c>abbr</c>, <c>data_type</c>, <c>infer_method</c>, <c>options</c>, <c>human_prompt</c>,
/// <c>bot_prompt</c>, <c>output_column</c>; the command line's settings win over both.
/// </summary>
public static class CustomDataset
{
    private static readonly string[] MetaKeys = ["abbr", "data_type", "infer_method", "options", "human_prompt", "bot_prompt", "output_column", "input_columns", "path"];

    /// <summary>The card of a custom dataset file.</summary>
    /// <exception cref="InvalidDataException">The file or its meta file cannot be used, naming what was expected.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static DatasetCard Create(string path, EvalMode? inferMethod = null, CustomDataType? dataType = null, string? metaPath = null)
    {
        var full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new FileNotFoundException($"{path}: the custom dataset does not exist.", full);
        }

        var format = Path.GetExtension(full).ToLowerInvariant() switch
        {
            ".jsonl" => DataFormat.Jsonl,
            ".csv" => DataFormat.Csv,
            _ => throw new InvalidDataException($"{path}: a custom dataset must be a .jsonl or .csv file."),
        };
        var first = GenericDataLoader.Parse(File.ReadAllBytes(full), full, format, columns: null)[0];
        var keys = first.Fields.Select(f => f.Key).ToHashSet(StringComparer.Ordinal);

        var meta = ReadMeta(metaPath ?? full + ".meta.json", explicitly: metaPath is not null);
        var abbr = meta.GetValueOrDefault("abbr") ?? Path.GetFileName(full).Split('.')[0];
        var output = meta.GetValueOrDefault("output_column") ?? (keys.Contains("answer") ? "answer" : null);
        var options = meta.GetValueOrDefault("options") ?? string.Concat(Enumerable.Range(0, 26).Select(i => ((char)('A' + i)).ToString()).TakeWhile(keys.Contains));
        var type = dataType ?? meta.GetValueOrDefault("data_type") switch
        {
            null => options.Length > 1 ? CustomDataType.Mcq : CustomDataType.Qa,
            "mcq" => CustomDataType.Mcq,
            "qa" => CustomDataType.Qa,
            var other => throw new InvalidDataException($"{metaPath ?? full + ".meta.json"}: data_type '{other}' is not supported; expected mcq or qa."),
        };
        var mode = inferMethod ?? meta.GetValueOrDefault("infer_method") switch
        {
            null or "gen" => EvalMode.Gen,
            "ppl" => EvalMode.Ppl,
            var other => throw new InvalidDataException($"{metaPath ?? full + ".meta.json"}: infer_method '{other}' is not supported; expected gen or ppl."),
        };

        if (type == CustomDataType.Mcq && (options.Length < 2 || output is null))
        {
            throw new InvalidDataException($"{path}: a multiple-choice dataset needs option columns A, B, … and an answer column; its first row has {string.Join(", ", keys)}.");
        }

        if (type == CustomDataType.Qa && mode == EvalMode.Ppl)
        {
            throw new InvalidDataException($"{path}: a question–answer dataset is evaluated in gen mode only (OpenCompass has no qa/ppl config).");
        }

        var config = type == CustomDataType.Mcq ? Mcq(abbr, mode, options, output!, meta) : Qa(abbr, output, meta);
        var fileName = Path.GetFileName(full);
        return new DatasetCard
        {
            Name = abbr,
            Title = abbr,
            Description = $"Custom {(type == CustomDataType.Mcq ? "multiple-choice" : "question-answer")} dataset {fileName}.",
            Format = format,
            Splits = new CardSplits("test", null),
            FilePattern = fileName,
            Subsets = [new SubsetInfo(abbr, abbr, abbr, [])],
            Configs = [config],
            // The file's hash joins the dataset version, so editing the data changes it.
            Sha256 = new Dictionary<string, string> { [fileName] = DataIntegrity.HashFile(full) },
            Location = Path.GetDirectoryName(full),
            Source = path,
        };
    }

    private static DatasetConfig Mcq(string abbr, EvalMode mode, string options, string output, IReadOnlyDictionary<string, string> meta)
    {
        var human = meta.GetValueOrDefault("human_prompt") ?? "Question: {question}" + string.Concat(options.Select(o => $"\n{o}. {{{o}}}"));
        var bot = meta.GetValueOrDefault("bot_prompt") ?? $"Answer: {{{output}}}";
        return new DatasetConfig
        {
            Name = abbr,
            Mode = mode,
            Abbr = abbr,
            // ppl: one prompt per option, the gold placeholder filled with it (upstream's bot_prompt.format(answer=X)).
            Template = new TurnTemplate(human, mode == EvalMode.Ppl ? bot.Replace($"{{{output}}}", "{label}", StringComparison.Ordinal) : bot),
            Labels = mode == EvalMode.Ppl ? [.. options.Select(o => o.ToString())] : [],
            Postprocessor = mode == EvalMode.Gen ? new PostprocessorSpec("option_sim", [new("options", options)]) : null,
            GoldColumn = output,
            Metric = "accuracy",
        };
    }

    private static DatasetConfig Qa(string abbr, string? output, IReadOnlyDictionary<string, string> meta) => new()
    {
        Name = abbr,
        Mode = EvalMode.Gen,
        Abbr = abbr,
        Template = new TurnTemplate(meta.GetValueOrDefault("human_prompt") ?? "{question}", output is null ? string.Empty : meta.GetValueOrDefault("bot_prompt") ?? $"{{{output}}}"),
        GoldColumn = output ?? "answer",
        Metric = "accuracy",
    };

    private static Dictionary<string, string> ReadMeta(string path, bool explicitly)
    {
        if (!File.Exists(path))
        {
            return explicitly ? throw new FileNotFoundException($"{path}: the custom dataset's meta file does not exist.", path) : [];
        }

        var meta = new Dictionary<string, string>(StringComparer.Ordinal);
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        foreach (var property in document.RootElement.EnumerateObject())
        {
            if (!MetaKeys.Contains(property.Name))
            {
                throw new InvalidDataException($"{path}: \"{property.Name}\" is not supported (Python objects such as template or evaluator cannot be read); expected {string.Join(", ", MetaKeys)}.");
            }

            meta[property.Name] = property.Value.ValueKind switch
            {
                JsonValueKind.String => property.Value.GetString()!,
                JsonValueKind.Array => string.Concat(property.Value.EnumerateArray().Select(v => v.GetString())),
                _ => throw new InvalidDataException($"{path}: \"{property.Name}\" must be a string (or, for options, a list of letters)."),
            };
        }

        return meta;
    }
}
