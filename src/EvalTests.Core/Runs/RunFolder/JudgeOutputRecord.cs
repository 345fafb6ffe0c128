using System.Text.Json;
using System.Text.Json.Serialization;

namespace EvalTests.Runs.RunFolder;

/// <summary>
/// One judgement as OpenCompass saves a judge's predictions (<c>&lt;dataset&gt;_replica0.json</c> beside the results, or
/// <c>&lt;model&gt;_judged-by--&lt;judge&gt;/&lt;dataset&gt;.json</c>), keyed by sample (<c>"3"</c>, a second order <c>"3_1"</c>).
/// </summary>
/// <param name="OriginPrompt">The judge's prompt.</param>
/// <param name="Prediction">The judge's raw reply.</param>
/// <param name="Gold">The sample's gold answer.</param>
/// <param name="Evaltests">What we parsed from the reply.</param>
/// <param name="Error">Why the judge's call failed: written only then.</param>
internal sealed record JudgeOutputRecord(
    string OriginPrompt,
    string Prediction,
    string? Gold,
    [property: JsonConverter(typeof(JudgementRecordConverter))] JudgementRecord Evaltests,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Error = null);

/// <summary>A parsed judge reply; its fields depend on the judge's kind.</summary>
/// <param name="Sample">The sample judged.</param>
/// <param name="Outcome">correct, wrong, scored, unparsed or errored; null when the sample has no verdict.</param>
internal abstract record JudgementRecord(
    [property: JsonPropertyOrder(-1)] int Sample,
    [property: JsonPropertyOrder(1)] string? Outcome)
{
    /// <summary>The parsed verdict as a report shows it beside the reply; null when there is nothing to show.</summary>
    public abstract string? Shown();
}

/// <summary>A verifier's verdict (<c>A</c> correct, <c>B</c> wrong, or none).</summary>
internal sealed record VerifierJudgementRecord(int Sample, string Verdict, string? Outcome) : JudgementRecord(Sample, Outcome)
{
    public override string? Shown() => Verdict;
}

/// <summary>A rating judge's score and its dimensions (null when the reply held no rating).</summary>
internal sealed record RatingJudgementRecord(int Sample, double? Score, IReadOnlyDictionary<string, double>? Rating, string? Outcome) : JudgementRecord(Sample, Outcome)
{
    public override string? Shown() => Rating is null ? null : JsonSerializer.Serialize(Rating, RunFolderJsonContext.Compact.IReadOnlyDictionaryStringDouble);
}

/// <summary>A pairwise judge's preference with the model's answer shown first or second, and the points it gives the model.</summary>
internal sealed record PairwiseJudgementRecord(int Sample, bool ModelShownFirst, string Preference, double? ModelPoints, string? Outcome) : JudgementRecord(Sample, Outcome)
{
    public override string? Shown() => null;
}

/// <summary>Writes a judgement as its kind's record, and reads one back by the fields it has.</summary>
internal sealed class JudgementRecordConverter : JsonConverter<JudgementRecord>
{
    public override void Write(Utf8JsonWriter writer, JudgementRecord value, JsonSerializerOptions options)
    {
        var context = RunFolderJsonContext.Readable;
        switch (value)
        {
            case VerifierJudgementRecord verifier: JsonSerializer.Serialize(writer, verifier, context.VerifierJudgementRecord); break;
            case RatingJudgementRecord rating: JsonSerializer.Serialize(writer, rating, context.RatingJudgementRecord); break;
            case PairwiseJudgementRecord pairwise: JsonSerializer.Serialize(writer, pairwise, context.PairwiseJudgementRecord); break;
            default: throw new NotSupportedException(value.GetType().Name);
        }
    }

    public override JudgementRecord? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        var element = document.RootElement;
        var context = RunFolderJsonContext.Readable;
        return element.ValueKind != JsonValueKind.Object ? throw new JsonException("expected the parsed judgement object (sample, verdict/score/preference, outcome).")
            : element.TryGetProperty("verdict", out _) ? element.Deserialize(context.VerifierJudgementRecord)
            : element.TryGetProperty("preference", out _) ? element.Deserialize(context.PairwiseJudgementRecord)
            : element.Deserialize(context.RatingJudgementRecord);
    }
}
