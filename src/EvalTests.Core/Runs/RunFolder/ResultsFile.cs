using System.Globalization;
using System.Text.Json.Nodes;
using EvalTests.Reporting;
using EvalTests.Scoring;

namespace EvalTests.Runs.RunFolder;

/// <summary><c>results/&lt;model&gt;/&lt;dataset&gt;.json</c>: the metric, ours under <c>evaltests</c> (counts, stderr, version), and per-question details.</summary>
internal static class ResultsFile
{
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
