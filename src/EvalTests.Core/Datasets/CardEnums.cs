using System.Text.Json.Serialization;

namespace EvalTests.Datasets;

/// <summary>A benchmark's file format, which selects its loader.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<DataFormat>))]
public enum DataFormat
{
    /// <summary>A CSV file whose header row names the columns (your own data).</summary>
    [JsonStringEnumMemberName("csv")] Csv,

    /// <summary>JSON Lines: one object per line, its keys the columns (your own data).</summary>
    [JsonStringEnumMemberName("jsonl")] Jsonl,

    /// <summary>C-Eval's CSV files (<c>id, question, A–D, answer[, explanation]</c>).</summary>
    [JsonStringEnumMemberName("ceval-csv")] CevalCsv,

    /// <summary>CMMLU's CSV files (an unnamed index column, then question, A–D, answer).</summary>
    [JsonStringEnumMemberName("cmmlu-csv")] CmmluCsv,

    /// <summary>GSM8K's JSON Lines (<c>question</c>, <c>answer</c> ending in <c>#### n</c>).</summary>
    [JsonStringEnumMemberName("gsm8k-jsonl")] Gsm8kJsonl,

    /// <summary>AlignBench's JSON Lines, with its dimension config beside them.</summary>
    [JsonStringEnumMemberName("alignbench-jsonl")] AlignBenchJsonl,
}

/// <summary>How an extracted answer is compared with the gold one.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<AnswerMatch>))]
public enum AnswerMatch
{
    /// <summary>The strings are equal.</summary>
    [JsonStringEnumMemberName("exact")] Exact,

    /// <summary>OpenCompass's <c>Gsm8kEvaluator.is_equal</c>: equal strings, or equal as numbers.</summary>
    [JsonStringEnumMemberName("numeric")] Numeric,
}

/// <summary>
/// The names the cards and OpenCompass's outputs use for the card enums, read from the <c>JsonStringEnumMemberName</c>
/// each member declares, so the card reader and the outputs share one spelling.
/// </summary>
public static class CardNames
{
    /// <summary>The card's name of a format (<c>ceval-csv</c>, …).</summary>
    public static string CardName(this DataFormat format) => EnumNames.JsonName(format);

    /// <summary>The card's name of a comparison (<c>exact</c>, <c>numeric</c>).</summary>
    public static string CardName(this AnswerMatch match) => EnumNames.JsonName(match);

    /// <summary>OpenCompass's name of a mode, as its summary's <c>mode</c> column writes it (<c>gen</c>, <c>ppl</c>).</summary>
    public static string OpenCompassName(this EvalMode mode) => EnumNames.JsonName(mode);
}
