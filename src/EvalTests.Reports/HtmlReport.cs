using System.Globalization;
using System.Reflection;
using System.Text;
using EvalTests.Comparison;
using EvalTests.Reporting;
using EvalTests.Runs.RunFolder;
using static System.Net.WebUtility;

namespace EvalTests.Reports;

/// <summary>A baseline the report compares the run's first model with: a name and its scores (e.g. a verified snapshot).</summary>
/// <param name="Name">How the report names the baseline.</param>
/// <param name="Sheet">Its scores and per-question outcomes.</param>
public sealed record ReportBaseline(string Name, ScoreSheet Sheet);

/// <summary>
/// One self-contained HTML file for a finished run: the summary table, a bar chart per category and model, the paired
/// comparison of the first two models (Δ with intervals), and every question with search and filters. Nothing is
/// fetched at view time: the charts are inline SVG, the script and styles inline.
/// </summary>
public static class HtmlReport
{
    /// <summary>The page for the run's models (all of them, by default).</summary>
    /// <param name="run">The finished run.</param>
    /// <param name="models">The models to show, in order; the first two are compared.</param>
    /// <param name="baseline">A baseline to compare the first model with instead (a verified score snapshot).</param>
    public static string Render(FinishedRun run, IReadOnlyList<string>? models = null, ReportBaseline? baseline = null)
    {
        ArgumentNullException.ThrowIfNull(run);
        var columns = models is { Count: > 0 } ? models : run.Models;
        var summary = run.Summarize(columns, run.Groups);
        var page = new StringBuilder();
        page.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>EvalTests report: ")
            .Append(HtmlEncode(run.Layout.Timestamp)).Append("</title><style>").Append(Asset("report.css")).Append("</style></head><body>\n");
        page.Append("<h1>EvalTests report</h1><p class=\"meta\">Run <code>").Append(HtmlEncode(run.Layout.RunFolder)).Append("</code>; models: ")
            .AppendJoin(", ", columns.Select(m => $"<b>{HtmlEncode(m)}</b> ({HtmlEncode(run.IdentityOf(m))})")).Append("</p>\n");

        // The overview first (charts, the comparison), then the full table and every question.
        ChartSection(page, summary);
        if (baseline is not null)
        {
            ComparisonSection(page, run.Groups, baseline.Name, baseline.Sheet, columns[0], run.Sheet(columns[0]));
        }
        else if (columns.Count >= 2)
        {
            ComparisonSection(page, run.Groups, columns[0], run.Sheet(columns[0]), columns[1], run.Sheet(columns[1]));
        }

        SummarySection(page, summary);
        QuestionsSection(page, run, columns);
        page.Append("<script>").Append(Asset("report.js")).Append("</script>\n</body></html>\n");
        return page.ToString();
    }

    /// <summary>Writes the page and returns its path.</summary>
    public static async Task<string> WriteAsync(FinishedRun run, string path, IReadOnlyList<string>? models = null, ReportBaseline? baseline = null, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        await File.WriteAllTextAsync(path, Render(run, models, baseline), cancellationToken).ConfigureAwait(false);
        return Path.GetFullPath(path);
    }

    private static void SummarySection(StringBuilder page, Summary summary)
    {
        page.Append("<h2>Summary</h2>\n<table id=\"summary\"><thead><tr>");
        var table = summary.ToTable();
        foreach (var header in table[0])
        {
            page.Append("<th>").Append(HtmlEncode(header)).Append("</th>");
        }

        page.Append("</tr></thead><tbody>\n");
        for (var r = 0; r < summary.Rows.Count; r++)
        {
            var row = summary.Rows[r];
            page.Append(row.Version == "-" && row.Metric != "-" ? "<tr class=\"group\">" : "<tr>");
            for (var c = 0; c < table[r + 1].Count; c++)
            {
                var cell = table[r + 1][c];
                page.Append(c >= 4 ? "<td class=\"num\">" : "<td>").Append(HtmlEncode(cell));
                if (c >= 4 && row.StandardErrors[c - 4] is { } se && !double.IsNaN(se))
                {
                    page.Append(string.Create(CultureInfo.InvariantCulture, $" <small>± {se:F2}</small>"));
                }

                page.Append("</td>");
            }

            page.Append("</tr>\n");
        }

        page.Append("</tbody></table>\n");
    }

    private static void ChartSection(StringBuilder page, Summary summary)
    {
        // Categories are the summary groups when there are any (OpenCompass's stem, humanities, …), else the subsets.
        var groups = summary.Rows.Where(r => r.Version == "-" && r.Metric != "-").ToList();
        var rows = groups.Count > 0 ? groups : [.. summary.Rows.Where(r => r.Metric != "-").Take(40)];
        page.Append("<h2>Scores per category and model</h2>\n<div class=\"charts\"><figure id=\"chart-categories\">")
            .Append(Charts.ScoresPerCategory([.. rows.Select(r => r.Dataset)], summary.Models, (c, m) => rows[c].Scores[m]))
            .Append("<figcaption>").Append(groups.Count > 0 ? "Each summary group" : "Each subset").Append(", one bar per model.</figcaption></figure></div>\n");
    }

    private static void ComparisonSection(StringBuilder page, IReadOnlyList<SummaryGroup> groups, string baseline, ScoreSheet baselineSheet, string candidate, ScoreSheet candidateSheet)
    {
        var settings = new GateSettings();
        var changes = ScoreComparer.Compare(baselineSheet, candidateSheet, settings);
        page.Append("<h2>Paired comparison: ").Append(HtmlEncode(candidate)).Append(" against ").Append(HtmlEncode(baseline)).Append("</h2>\n")
            .Append("<p class=\"meta\">On the same questions: exact McNemar per subset, paired bootstrap per group; intervals are the bootstrap's 95% percentile interval of Δ.</p>\n");
        var shown = changes.Where(c => !double.IsNaN(c.Delta)).ToList();
        var charted = shown.Where(c => groups.Any(g => g.Name == c.Dataset)).ToList() is { Count: > 0 } groupChanges ? groupChanges : [.. shown.Take(40)];
        page.Append("<div class=\"charts\"><figure id=\"chart-changes\">")
            .Append(Charts.Changes([.. charted.Select(c => c.Dataset)], [.. charted.Select(c => (c.Delta, c.Interval.Low, c.Interval.High))]))
            .Append("<figcaption>Δ per group with its 95% interval.</figcaption></figure></div>\n");
        page.Append("<table id=\"comparison\"><thead><tr><th>dataset</th><th>").Append(HtmlEncode(baseline)).Append("</th><th>").Append(HtmlEncode(candidate))
            .Append("</th><th>Δ</th><th>95% interval</th><th>p</th><th>test</th><th>n</th><th>verdict</th></tr></thead><tbody>\n");
        foreach (var change in changes)
        {
            var verdict = ScoreComparer.VerdictText(change.Verdict);
            page.Append("<tr><td>").Append(HtmlEncode(change.Dataset)).Append("</td>")
                .Append(Number(change.Baseline)).Append(Number(change.Candidate)).Append(Number(change.Delta, "+0.00;-0.00;0.00"))
                .Append("<td class=\"num\">").Append(double.IsNaN(change.Interval.Low) ? "-" : string.Create(CultureInfo.InvariantCulture, $"[{change.Interval.Low:0.00}, {change.Interval.High:0.00}]")).Append("</td>")
                .Append(Number(change.P, "0.0000")).Append("<td>").Append(HtmlEncode(change.Test)).Append("</td>")
                .Append("<td class=\"num\">").Append(change.Compared.ToString(CultureInfo.InvariantCulture)).Append("</td>")
                .Append("<td class=\"").Append(verdict is "REGRESSION" or "GAIN" ? verdict : string.Empty).Append("\">").Append(HtmlEncode(verdict)).Append("</td></tr>\n");
        }

        page.Append("</tbody></table>\n");
    }

    private static void QuestionsSection(StringBuilder page, FinishedRun run, IReadOnlyList<string> models)
    {
        var questions = models.SelectMany(m => run.Questions(m).Select(q => (Model: m, Question: q))).ToList();
        page.Append("<h2>Questions</h2>\n<div class=\"filters\"><input id=\"search\" type=\"search\" placeholder=\"Search prompts, answers, predictions…\">");
        Filter(page, "model", models);
        Filter(page, "dataset", [.. questions.Select(q => q.Question.Dataset).Distinct()]);
        Filter(page, "outcome", [.. questions.Select(q => q.Question.Outcome).Distinct().Order(StringComparer.Ordinal)]);
        page.Append("<span id=\"shown\"></span></div>\n<table id=\"questions\"><thead><tr><th>model</th><th>dataset</th><th>#</th><th>gold</th><th>answer</th><th>outcome</th><th>prediction / PPL per option / judge</th><th>prompt</th></tr></thead><tbody>\n");
        foreach (var (model, q) in questions)
        {
            page.Append("<tr data-model=\"").Append(HtmlEncode(model)).Append("\" data-dataset=\"").Append(HtmlEncode(q.Dataset))
                .Append("\" data-outcome=\"").Append(HtmlEncode(q.Outcome)).Append("\"><td>").Append(HtmlEncode(model)).Append("</td><td>")
                .Append(HtmlEncode(q.Dataset)).Append("</td><td class=\"num\">").Append(q.Index.ToString(CultureInfo.InvariantCulture)).Append("</td><td>")
                .Append(HtmlEncode(q.Gold)).Append("</td><td>").Append(HtmlEncode(q.Answer)).Append("</td><td class=\"outcome-").Append(HtmlEncode(q.Outcome)).Append("\">")
                .Append(HtmlEncode(q.Outcome)).Append("</td><td>");
            if (q.PplPerLabel.Count > 0)
            {
                page.AppendJoin(", ", q.PplPerLabel.Select(p => HtmlEncode(p.Key) + ": " + (p.Value is { } v ? v.ToString("0.###", CultureInfo.InvariantCulture) : "-")));
            }
            else
            {
                page.Append(HtmlEncode(q.Error ?? q.Prediction));
            }

            foreach (var judgement in q.Judgements)
            {
                page.Append("<div class=\"judgement\"><b>judge</b> ").Append(HtmlEncode(judgement)).Append("</div>");
            }

            page.Append("</td><td><details><summary>prompt</summary><pre>").Append(HtmlEncode(q.Prompt)).Append("</pre></details></td></tr>\n");
        }

        page.Append("</tbody></table>\n");
    }

    private static void Filter(StringBuilder page, string column, IReadOnlyList<string> values)
    {
        page.Append("<select data-column=\"").Append(column).Append("\"><option value=\"\">every ").Append(column).Append("</option>");
        foreach (var value in values)
        {
            page.Append("<option>").Append(HtmlEncode(value)).Append("</option>");
        }

        page.Append("</select>");
    }

    private static string Number(double value, string format = "0.00") =>
        "<td class=\"num\">" + (double.IsNaN(value) ? "-" : value.ToString(format, CultureInfo.InvariantCulture)) + "</td>";

    private static string Asset(string name)
    {
        using var stream = typeof(HtmlReport).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"The report asset {name} is not embedded.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
