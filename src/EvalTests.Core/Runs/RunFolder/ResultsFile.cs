using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using EvalTests.Reporting;
using EvalTests.Scoring;

namespace EvalTests.Runs.RunFolder;

/// <summary><c>results/&lt;model&gt;/&lt;dataset&gt;.json</c>: the metric, ours under <c>evaltests</c> (counts, stderr, version), and per-question details; written and read back here.</summary>
internal static class ResultsFile
{
    /// <summary>A results file read back: the dataset's score (as the summary shows it), its per-question outcome codes and details.</summary>
    /// <exception cref="InvalidDataException">The file is not a results file; the message names it and the field.</exception>
    public static (DatasetScore Score, string? Outcomes, IReadOnlyDictionary<string, ResultDetailRecord> Details) Read(string path, string abbr, string mode)
    {
        var json = OutputJson.ReadObject(path);

        // The metric is the first key, as OpenCompass writes it; ours follow under "evaltests".
        var metric = json.Select(p => p.Key).FirstOrDefault(k => k is not ("evaltests" or "details"))
            ?? throw new InvalidDataException($"{path}: no metric (expected e.g. {{\"accuracy\": 50.0, …}}).");
        var value = json[metric] is JsonValue number && number.TryGetValue<double>(out var v) ? v : double.NaN;
        var counts = Typed(json["evaltests"], RunFolderJsonContext.Readable.ResultCountsRecord, path, "evaltests")
            ?? throw new InvalidDataException($"{path}: no \"evaltests\" object (n, correct, wrong, …).");
        var score = new SubsetScore(counts.Correct, counts.Wrong, counts.Unparsed, counts.Errored) { Scored = counts.Scored ?? 0 };
        if (metric != "accuracy")
        {
            score = score with { JudgedValue = value, JudgedStandardError = counts.Stderr ?? double.NaN };
        }

        var details = Typed(json["details"], RunFolderJsonContext.Readable.DictionaryStringResultDetailRecord, path, "details");
        return (new DatasetScore(abbr, counts.Version ?? "-", mode, metric, score), details is null ? null : Outcomes(details, path), details ?? []);
    }

    private static T? Typed<T>(JsonNode? node, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, string path, string field)
    {
        try
        {
            return node is null ? default : node.Deserialize(type);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{path}: {field}{ex.Path?.TrimStart('$')} is not what a run writes: {ex.Message}", ex);
        }
    }

    private static string Outcomes(Dictionary<string, ResultDetailRecord> details, string path)
    {
        var samples = new List<(int, SampleOutcome)>();
        foreach (var (key, detail) in details)
        {
            if (!int.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out var index) ||
                !Enum.TryParse<SampleOutcome>(detail.Outcome, ignoreCase: true, out var outcome))
            {
                throw new InvalidDataException($"{path}: details.{key} is not a question index with an \"outcome\" (correct, wrong, unparsed, errored, scored).");
            }

            samples.Add((index, outcome));
        }

        return Comparison.OutcomeCodes.Encode(samples);
    }

    public static JsonObject ToJson(DatasetScore score, IReadOnlyList<SampleRecord> records, IReadOnlyDictionary<string, double> metrics)
    {
        var s = score.Score;
        var details = records.ToDictionary(
            r => r.Index.ToString(CultureInfo.InvariantCulture),
            r => new ResultDetailRecord(r.Answer, r.Gold, r.Outcome.ToString().ToLowerInvariant(), r.Error));
        var counts = new ResultCountsRecord(s.Total, s.Correct, s.Wrong, s.Unparsed, s.Errored, s.Scored > 0 ? s.Scored : null, JsonScore.Finite(s.ValueStandardError), score.Version);
        var json = new JsonObject { [score.Metric] = JsonScore.FiniteOrNull(s.Value) };
        foreach (var (name, value) in metrics)
        {
            json[name] = value;
        }

        // OpenCompass's keys (the metrics) are dynamic; ours are typed records.
        json["evaltests"] = JsonSerializer.SerializeToNode(counts, RunFolderJsonContext.Readable.ResultCountsRecord);
        json["details"] = JsonSerializer.SerializeToNode(details, RunFolderJsonContext.Readable.DictionaryStringResultDetailRecord);
        return json;
    }
}
