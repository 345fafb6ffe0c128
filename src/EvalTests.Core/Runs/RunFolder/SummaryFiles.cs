using System.Text.Json.Nodes;
using EvalTests.Models;
using EvalTests.Reporting;

namespace EvalTests.Runs.RunFolder;

/// <summary><c>summary/summary_&lt;ts&gt;.{txt,csv,md,json}</c>: OpenCompass's summary file, its csv and markdown tables, and ours as JSON (with API usage).</summary>
internal static class SummaryFiles
{
    public static async Task WriteAsync(RunOutputLayout layout, string timestamp, Summary summary, ModelUsage? usage, CancellationToken cancellationToken)
    {
        var txt = layout.SummaryFile(timestamp, "txt");
        Directory.CreateDirectory(Path.GetDirectoryName(txt)!);
        await File.WriteAllTextAsync(txt, summary.ToSummaryFile(timestamp), cancellationToken).ConfigureAwait(false);
        await File.WriteAllTextAsync(layout.SummaryFile(timestamp, "csv"), summary.ToCsv(), cancellationToken).ConfigureAwait(false);
        await File.WriteAllTextAsync(layout.SummaryFile(timestamp, "md"), summary.ToMarkdown(), cancellationToken).ConfigureAwait(false);
        var rows = new JsonArray(summary.Rows.Select(row => (JsonNode)new JsonObject
        {
            ["dataset"] = row.Dataset,
            ["version"] = row.Version,
            ["metric"] = row.Metric,
            ["mode"] = row.Mode,
            ["scores"] = new JsonObject(summary.Models.Select((m, i) => KeyValuePair.Create(m, JsonScore.FiniteOrNull(row.Scores[i])))),
            ["stderr"] = new JsonObject(summary.Models.Select((m, i) => KeyValuePair.Create(m, JsonScore.FiniteOrNull(row.StandardErrors[i])))),
        }).ToArray());
        var json = new JsonObject { ["rows"] = rows };
        if (usage is not null)
        {
            json["usage"] = new JsonObject
            {
                ["requests"] = usage.Requests,
                ["retries"] = usage.Retries,
                ["failures"] = usage.Failures,
                ["cache_hits"] = usage.CacheHits,
                ["prompt_tokens"] = usage.PromptTokens,
                ["completion_tokens"] = usage.CompletionTokens,
            };
        }

        await OutputJson.WriteAsync(layout.SummaryFile(timestamp, "json"), json, cancellationToken).ConfigureAwait(false);
    }
}
