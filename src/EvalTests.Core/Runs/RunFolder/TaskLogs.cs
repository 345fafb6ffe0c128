using System.Globalization;
using EvalTests.Reporting;

namespace EvalTests.Runs.RunFolder;

/// <summary><c>logs/infer/&lt;model&gt;/&lt;dataset&gt;.out</c> and <c>logs/eval/&lt;model&gt;/&lt;dataset&gt;.out</c>.</summary>
internal static class TaskLogs
{
    /// <summary>Questions, in-context examples kept or dropped, tokens and wall time.</summary>
    public static string Infer(PreparedTask task)
    {
        var shots = task.GenerationPrompts is { } prompts ? prompts.Select(p => p.Shots).ToList() : task.LabelPrompts!.Select(p => p[^1].Shots).ToList();
        var configured = task.Task.Config.FewShotIds.Count;
        var promptTokens = task.Generations.Where(g => g is not null).Sum(g => (long)g!.PromptTokens);
        var outputTokens = task.Generations.Where(g => g is not null).Sum(g => (long)g!.OutputTokens);
        return string.Create(CultureInfo.InvariantCulture,
            $"""
            dataset: {task.Task.Abbr} ({task.Task.Config.Name}, subset {task.Task.Subset.Name}, version {task.Task.Version})
            samples: {task.Samples.Count}
            in-context examples: configured {configured}, kept min {shots.DefaultIfEmpty(0).Min()} / max {shots.DefaultIfEmpty(0).Max()}; {shots.Count(s => s < configured)} prompt(s) shortened to fit the context
            prompt tokens: {promptTokens}, generated tokens: {outputTokens}
            wall time: {task.Elapsed.TotalSeconds:F1} s

            """);
    }

    /// <summary>The score, its standard error and the outcome counts, in one line.</summary>
    public static string Eval(PreparedTask task, DatasetScore datasetScore, string? judgeAbbr)
    {
        var score = datasetScore.Score;
        return string.Create(CultureInfo.InvariantCulture, $"{task.Task.Abbr}: {datasetScore.Metric}={score.Value:F2} stderr={score.ValueStandardError:F2} n={score.Total} correct={score.Correct} wrong={score.Wrong} unparsed={score.Unparsed} errored={score.Errored}{(score.Scored > 0 ? $" scored={score.Scored}" : string.Empty)}{(task.Postprocessor is { } name ? $" postprocessor={name}" : string.Empty)}{(judgeAbbr is not null ? $" judge={judgeAbbr}" : string.Empty)}\n");
    }

    public static async Task WriteAsync(string path, string text, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllTextAsync(path, text, cancellationToken).ConfigureAwait(false);
    }
}
