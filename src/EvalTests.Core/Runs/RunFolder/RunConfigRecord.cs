using System.Text.Json;
using System.Text.Json.Serialization;

namespace EvalTests.Runs.RunFolder;

/// <summary><c>configs/&lt;ts&gt;_&lt;pid&gt;.json</c> as typed records: written by the run, read by eval mode, <c>summarize</c>, <c>report</c> and <c>compare</c>.</summary>
/// <param name="Models">The evaluated models, in the order they ran.</param>
/// <param name="JudgeModels">The judge, when the run judged answers.</param>
/// <param name="Datasets">The datasets, in report order.</param>
/// <param name="Summarizer">The summary groups.</param>
/// <param name="WorkDir">The run folder.</param>
/// <param name="Limit">The run's <c>--limit</c>.</param>
/// <param name="MaxSeqLenOverride">The run's <c>--max-seq-len</c>.</param>
internal sealed record RunConfigRecord(
    IReadOnlyList<ModelRecord> Models,
    IReadOnlyList<JudgeRecord> JudgeModels,
    IReadOnlyList<DatasetRecord> Datasets,
    SummarizerRecord Summarizer,
    string WorkDir,
    int? Limit,
    int? MaxSeqLenOverride);

/// <summary>A model of the run.</summary>
/// <param name="Abbr">Its column name.</param>
/// <param name="Identity">What pins its weights or endpoint.</param>
/// <param name="MaxSeqLen">Its context length.</param>
/// <param name="BatchSize">Requests per call, or <c>auto</c>.</param>
/// <param name="MaxOutLen">The run's <c>--max-out-len</c>.</param>
/// <param name="GenerationKwargs">OpenCompass's generation_kwargs: written only when the run samples.</param>
internal sealed record ModelRecord(
    string Abbr,
    string? Identity,
    int? MaxSeqLen,
    BatchSizeRecord BatchSize,
    int? MaxOutLen,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] GenerationKwargsRecord? GenerationKwargs = null);

/// <summary>The sampling of a run (OpenCompass's generation_kwargs).</summary>
internal sealed record GenerationKwargsRecord(bool DoSample, double Temperature, double TopP, int TopK, long? Seed);

/// <summary>The judge of a judged run.</summary>
internal sealed record JudgeRecord(string Abbr, string? Identity, int MaxOutLen);

/// <summary>A dataset of the run.</summary>
/// <param name="Abbr">Its row name.</param>
/// <param name="Config">The config it came from.</param>
/// <param name="Version">The short hash of card, template and data.</param>
/// <param name="Mode">gen or ppl.</param>
/// <param name="TestRange">OpenCompass's test_range: written only when set, as in its reader_cfg.</param>
internal sealed record DatasetRecord(
    string Abbr,
    string? Config,
    string? Version,
    string? Mode,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? TestRange = null);

/// <summary>The summary groups of the run.</summary>
internal sealed record SummarizerRecord(IReadOnlyList<SummaryGroupRecord> SummaryGroups);

/// <summary>One summary group.</summary>
internal sealed record SummaryGroupRecord(string Name, IReadOnlyList<string> Subsets);

/// <summary>A batch size, written as a number or as <c>auto</c>.</summary>
/// <param name="Size">The size; null for <c>auto</c>.</param>
[JsonConverter(typeof(BatchSizeRecordConverter))]
internal readonly record struct BatchSizeRecord(int? Size);

internal sealed class BatchSizeRecordConverter : JsonConverter<BatchSizeRecord>
{
    public override BatchSizeRecord Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.Number ? new(reader.GetInt32()) : new(null);

    public override void Write(Utf8JsonWriter writer, BatchSizeRecord value, JsonSerializerOptions options)
    {
        if (value.Size is { } size)
        {
            writer.WriteNumberValue(size);
        }
        else
        {
            writer.WriteStringValue("auto");
        }
    }
}

/// <summary>Our counts in a results file, under <c>evaltests</c> (OpenCompass's own keys, the metrics, stay beside it).</summary>
/// <param name="N">Questions.</param>
/// <param name="Correct">Answered right.</param>
/// <param name="Wrong">Answered wrong.</param>
/// <param name="Unparsed">Nothing extracted.</param>
/// <param name="Errored">The model failed.</param>
/// <param name="Scored">Scored by a judge's rating: written only when there are some.</param>
/// <param name="Stderr">The score's standard error; null when not finite.</param>
/// <param name="Version">The dataset version.</param>
internal sealed record ResultCountsRecord(
    int N,
    int Correct,
    int Wrong,
    int Unparsed,
    int Errored,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Scored,
    double? Stderr,
    string? Version);

/// <summary>One question in a results file's <c>details</c>, keyed by its index.</summary>
/// <param name="Pred">The answer extracted (or chosen).</param>
/// <param name="Gold">The gold answer.</param>
/// <param name="Outcome">correct, wrong, unparsed, errored or scored.</param>
/// <param name="Error">Why the model failed: written only then.</param>
internal sealed record ResultDetailRecord(
    string? Pred,
    string? Gold,
    string? Outcome,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Error = null);
