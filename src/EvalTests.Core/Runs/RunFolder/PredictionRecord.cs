using System.Text.Json;
using System.Text.Json.Serialization;

namespace EvalTests.Runs.RunFolder;

/// <summary>
/// One question of <c>predictions/&lt;model&gt;/&lt;dataset&gt;.json</c>, in OpenCompass's shape for its mode: gen
/// <c>{"origin_prompt", "prediction", "gold"}</c>; ppl <c>{"in-context examples", "origin_prompt", "label: A": {…}, …,
/// "prediction", "gold"}</c>. Ours: <c>error</c>, written only when the model failed.
/// </summary>
/// <param name="OriginPrompt">The prompt asked (ppl: the question without its shots).</param>
/// <param name="Prediction">The generated text (gen) or the label of lowest PPL (ppl).</param>
/// <param name="Gold">The gold answer.</param>
/// <param name="Error">Why the model failed, when it did.</param>
[JsonConverter(typeof(PredictionRecordConverter))]
internal sealed record PredictionRecord(string OriginPrompt, string Prediction, string? Gold, string? Error)
{
    /// <summary>ppl: the shots' text; null for a gen prediction.</summary>
    public string? InContextExamples { get; init; }

    /// <summary>ppl: each option's prompt and PPL, in label order; empty for a gen prediction.</summary>
    public IReadOnlyList<LabelPredictionRecord> Labels { get; init; } = [];
}

/// <summary>One option of a ppl prediction, written under <c>"label: X"</c>.</summary>
/// <param name="Label">The option's label.</param>
/// <param name="TestingInput">The prompt without the shots' text.</param>
/// <param name="Prompt">The whole prompt scored.</param>
/// <param name="Ppl">Its perplexity; null when the model failed.</param>
internal sealed record LabelPredictionRecord(string Label, string TestingInput, string Prompt, double? Ppl);

/// <summary>
/// OpenCompass's keys are partly data (<c>"label: A"</c>) and their order is its layout, which no attribute can say:
/// this converter writes them in that order and reads them back by name.
/// </summary>
internal sealed class PredictionRecordConverter : JsonConverter<PredictionRecord>
{
    private const string LabelPrefix = "label: ";

    public override void Write(Utf8JsonWriter writer, PredictionRecord value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        if (value.InContextExamples is { } examples)
        {
            writer.WriteString("in-context examples", examples);
        }

        writer.WriteString("origin_prompt", value.OriginPrompt);
        foreach (var label in value.Labels)
        {
            writer.WriteStartObject(LabelPrefix + label.Label);
            writer.WriteString("testing input", label.TestingInput);
            writer.WriteString("prompt", label.Prompt);
            writer.WritePropertyName("PPL");
            if (label.Ppl is { } ppl)
            {
                writer.WriteNumberValue(ppl);
            }
            else
            {
                writer.WriteNullValue();
            }

            writer.WriteEndObject();
        }

        writer.WriteString("prediction", value.Prediction);
        writer.WriteString("gold", value.Gold);
        if (value.Error is not null)
        {
            writer.WriteString("error", value.Error);
        }

        writer.WriteEndObject();
    }

    public override PredictionRecord Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        Expect(ref reader, JsonTokenType.StartObject, "a question's prediction object");
        string? examples = null, origin = null, prediction = null, gold = null, error = null;
        var labels = new List<LabelPredictionRecord>();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString()!;
            reader.Read();
            switch (name)
            {
                case "in-context examples": examples = String(ref reader, name); break;
                case "origin_prompt": origin = String(ref reader, name); break;
                case "prediction": prediction = String(ref reader, name); break;
                case "gold": gold = String(ref reader, name); break;
                case "error": error = String(ref reader, name); break;
                case var _ when name.StartsWith(LabelPrefix, StringComparison.Ordinal): labels.Add(Label(ref reader, name[LabelPrefix.Length..])); break;
                default: reader.Skip(); break; // a key another tool added
            }
        }

        return new PredictionRecord(origin ?? string.Empty, prediction ?? string.Empty, gold, error) { InContextExamples = examples, Labels = labels };
    }

    private static LabelPredictionRecord Label(ref Utf8JsonReader reader, string label)
    {
        Expect(ref reader, JsonTokenType.StartObject, $"an object (\"testing input\", \"prompt\", \"PPL\") under \"{LabelPrefix}{label}\"");
        string? testingInput = null, prompt = null;
        double? ppl = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString()!;
            reader.Read();
            switch (name)
            {
                case "testing input": testingInput = String(ref reader, name); break;
                case "prompt": prompt = String(ref reader, name); break;
                case "PPL":
                    ppl = reader.TokenType switch
                    {
                        JsonTokenType.Null => null,
                        JsonTokenType.Number => reader.GetDouble(),
                        _ => throw new JsonException($"\"PPL\" of label {label}: expected a number or null."),
                    };
                    break;
                default: reader.Skip(); break;
            }
        }

        return new LabelPredictionRecord(label, testingInput ?? string.Empty, prompt ?? string.Empty, ppl);
    }

    private static string? String(ref Utf8JsonReader reader, string name) => reader.TokenType switch
    {
        JsonTokenType.String => reader.GetString(),
        JsonTokenType.Null => null,
        _ => throw new JsonException($"\"{name}\": expected a string."),
    };

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType token, string what)
    {
        if (reader.TokenType != token)
        {
            throw new JsonException($"expected {what}.");
        }
    }
}
