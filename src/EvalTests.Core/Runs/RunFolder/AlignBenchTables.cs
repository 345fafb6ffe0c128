using System.Globalization;
using EvalTests.Datasets;
using EvalTests.Judging;
using EvalTests.Python;
using EvalTests.Reporting;

namespace EvalTests.Runs.RunFolder;

/// <summary>
/// AlignmentBenchSummarizer's tables under <c>summary/&lt;ts&gt;/</c>: the capability table (总分, then each family's
/// total and its categories, with its numbered and two header rows), and for the per-dimension format (judge type
/// <c>general</c>) the mean of every dimension.
/// </summary>
internal static class AlignBenchTables
{
    public static async Task WriteAsync(RunOutputLayout layout, string timestamp, TaskResult rated, string model, string judge, string? distinctName, CancellationToken cancellationToken)
    {
        var tables = rated.AlignBench!;
        var name = $"Alignbench-judged-by--{judge}" + (distinctName is null ? string.Empty : "-" + distinctName);

        var families = AlignBenchSummary.Families;
        var columns = 2 + families.Sum(f => 1 + f.Categories.Count);
        var header = new List<string> { "模型", "总分" };
        var subHeader = new List<string> { "模型", "总分" };
        var row = new List<string> { model, PythonRepr.FormatFloat(tables.Capabilities["总分"]) };
        foreach (var (family, categories) in families)
        {
            header.Add(family);
            header.AddRange(categories.Select(_ => string.Empty));
            subHeader.Add(family + "总分");
            subHeader.AddRange(categories);
            row.Add(PythonRepr.FormatFloat(tables.Capabilities[family + "总分"]));
            row.AddRange(categories.Select(c => PythonRepr.FormatFloat(tables.Capabilities[c])));
        }

        var capabilities = CsvLines(Enumerable.Range(0, columns).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToList(), header, subHeader, row);
        var capabilityFile = layout.SubjectiveSummaryFile(timestamp, name + "-capability.csv");
        Directory.CreateDirectory(Path.GetDirectoryName(capabilityFile)!);
        await File.WriteAllTextAsync(capabilityFile, capabilities, cancellationToken).ConfigureAwait(false);
        if (rated.Task.Config.Judge!.RatingFormat == RatingFormat.AlignBench)
        {
            var dimensions = CsvLines(["模型", .. tables.Dimensions.Keys], [model, .. tables.Dimensions.Values.Select(PythonRepr.FormatFloat)]);
            await File.WriteAllTextAsync(layout.SubjectiveSummaryFile(timestamp, name + "-dimension.csv"), dimensions, cancellationToken).ConfigureAwait(false);
        }

        // Python's csv.writer: cells joined by commas, quoted only when they hold a comma, quote or line break; \r\n line ends.
        static string CsvLines(params IReadOnlyList<string>[] rows) => string.Concat(rows.Select(r => string.Join(",", r.Select(Quote)) + "\r\n"));
        static string Quote(string cell) => cell.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + cell.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : cell;
    }
}
