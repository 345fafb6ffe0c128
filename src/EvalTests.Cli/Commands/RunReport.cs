using System.Globalization;
using EvalTests.Models;
using EvalTests.Runs;

namespace EvalTests.Cli.Commands;

/// <summary>What <c>evaltests run</c> prints when a run ends.</summary>
internal static class RunReport
{
    /// <summary>Prints the run's summary, totals and where its outputs are; 1 when every request failed.</summary>
    public static int Write(TextWriter output, RunResult result, TimeSpan elapsed, ModelUsage? usage, RunMode mode)
    {
        var scores = result.Tasks.Select(t => t.Score.Score).ToList();
        var total = scores.Sum(s => s.Total);
        var unparsed = scores.Sum(s => s.Unparsed);
        var errored = scores.Sum(s => s.Errored);
        output.WriteLine();
        if (mode == RunMode.Infer)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{total} questions answered ({errored} errored); wall time {elapsed.TotalSeconds:F1} s."));
            output.WriteLine($"Predictions: {Path.GetFullPath(result.Layout.PredictionsFolder)}");
            output.WriteLine($"Score them with the same command and --mode eval --reuse {result.Layout.Timestamp}.");
            return 0;
        }

        output.WriteLine(result.Summary.ToText());
        output.WriteLine();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{total} questions: {scores.Sum(s => s.Correct)} correct, {scores.Sum(s => s.Wrong)} wrong, {unparsed} unparsed, {errored} errored{(scores.Sum(s => s.Scored) is > 0 and var scored ? $", {scored} rated or tied by the judge" : string.Empty)}; wall time {elapsed.TotalSeconds:F1} s."));
        if (result.ReplayedRequests > 0)
        {
            output.WriteLine($"Resumed: {result.ReplayedRequests} answers from the run's checkpoint, {result.SentRequests} requests sent.");
        }

        if (result.MeasuredBatchSizes.Count > 0)
        {
            output.WriteLine($"Batch size (auto): {string.Join(", ", result.MeasuredBatchSizes.Select(m => $"{m.Key.ToString().ToLowerInvariant()} {m.Value}"))}.");
        }

        if (usage is not null)
        {
            output.WriteLine($"API usage: {usage}");
        }

        output.WriteLine($"Outputs: {Path.GetFullPath(result.Layout.RunFolder)}");
        output.WriteLine($"Summary: {Path.GetFullPath(result.Layout.SummaryFile(result.SummaryTimestamp, "txt"))}");
        if (total > 0 && errored == total)
        {
            var first = result.Tasks.SelectMany(t => t.Samples).First(s => s.Error is not null);
            output.WriteLine($"Every request failed; the first error: {first.Error}");
            return 1;
        }

        return 0;
    }
}
