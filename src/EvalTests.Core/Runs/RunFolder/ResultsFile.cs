using System.Globalization;
using System.Text.Json.Nodes;
using EvalTests.Reporting;
using EvalTests.Scoring;

namespace EvalTests.Runs.RunFolder;

/// <summary><c>results/&lt;model&gt;/&lt;dataset&gt;.json</c>: the metric, ours under <c>evaltests</c> (counts, stderr, version), and per-question details; written and read back here.</summary>
internal static class ResultsFile
{
    /// <summary>A results file read back: the dataset's score (as the summary shows it), its per-question outcome codes and details.</summary>
    /// <exception cref="InvalidDataException">The file is not a results file; the message names it and the field.</exception>
    public static (DatasetScore Score, string? Outcomes, JsonObject Details) Read(string path, string abbr, string mode)
    {
        var json = OutputJson.ReadObject(path);

        // The metric is the first key, as OpenCompass writes it; ours follow under "evaltests".
        var metric = json.Select(p => p.Key).FirstOrDefault(k => k is not ("evaltests" or "details"))
            ?? throw new InvalidDataException($"{path}: no metric (expected e.g. {{\"accuracy\": 50.0, …}}).");
        var value = json[metric] is JsonValue number && number.TryGetValue<double>(out var v) ? v : double.NaN;
        var counts = json["evaltests"] as JsonObject ?? throw new InvalidDataException($"{path}: no \"evaltests\" object (n, correct, wrong, …).");
        var score = new SubsetScore(Count(counts, "correct", path), Count(counts, "wrong", path), Count(counts, "unparsed", path), Count(counts, "errored", path))
        {
            Scored = counts["scored"] is null ? 0 : Count(counts, "scored", path),
        };
        var standardError = counts["stderr"] is JsonValue se && se.TryGetValue<double>(out var e) ? e : double.NaN;
        if (metric != "accuracy")
        {
            score = score with { JudgedValue = value, JudgedStandardError = standardError };
        }

        var version = (string?)counts["version"] ?? "-";
        return (new DatasetScore(abbr, version, mode, metric, score), Outcomes(json, path), json["details"] as JsonObject ?? []);
    }

    private static int Count(JsonObject counts, string name, string path) =>
        counts[name] is JsonValue value && value.TryGetValue<int>(out var count) ? count
        : throw new InvalidDataException($"{path}: evaltests.{name} is not a count.");

    private static string? Outcomes(JsonObject json, string path)
    {
        if (json["details"] is not JsonObject details)
        {
            return null;
        }

        var samples = new List<(int, SampleOutcome)>();
        foreach (var (key, detail) in details)
        {
            if (!int.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out var index) ||
                !Enum.TryParse<SampleOutcome>((string?)detail?["outcome"], ignoreCase: true, out var outcome))
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
        var details = new JsonObject();
        foreach (var record in records)
        {
            var detail = new JsonObject
            {
                ["pred"] = record.Answer,
                ["gold"] = record.Gold,
                ["outcome"] = record.Outcome.ToString().ToLowerInvariant(),
            };
            if (record.Error is not null)
            {
                detail["error"] = record.Error;
            }

            details[record.Index.ToString(CultureInfo.InvariantCulture)] = detail;
        }

        var counts = new JsonObject
        {
            ["n"] = s.Total,
            ["correct"] = s.Correct,
            ["wrong"] = s.Wrong,
            ["unparsed"] = s.Unparsed,
            ["errored"] = s.Errored,
        };
        if (s.Scored > 0)
        {
            counts["scored"] = s.Scored;
        }

        counts["stderr"] = JsonScore.FiniteOrNull(s.ValueStandardError);
        counts["version"] = score.Version;
        var json = new JsonObject { [score.Metric] = JsonScore.FiniteOrNull(s.Value) };
        foreach (var (name, value) in metrics)
        {
            json[name] = value;
        }

        json["evaltests"] = counts;
        json["details"] = details;
        return json;
    }
}
