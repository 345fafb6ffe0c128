using System.Globalization;
using EvalTests.Reporting;
using EvalTests.Runs;

namespace EvalTests.Cli.Commands;

/// <summary><c>run --dry-run</c>: the plan as a table, and its totals; nothing is asked.</summary>
internal static class DryRun
{
    private static readonly string[] Header = ["dataset", "mode", "questions", "model calls", "prompt tokens", "prompt chars"];

    public static int Print(TextWriter output, IReadOnlyList<TaskWork> work, int models)
    {
        var table = new List<IReadOnlyList<string>> { Header };
        table.AddRange(work.Select(w => (IReadOnlyList<string>)[w.Dataset, w.Mode, Count(w.Questions), Count(w.ModelCalls),
            w.PromptTokens is { } tokens ? Count(tokens) : "-", Count(w.PromptCharacters)]));
        output.WriteLine();
        output.WriteLine(Tabulate.Simple(table, reformatNumbers: false));
        output.WriteLine();
        var tokens = work.All(w => w.PromptTokens is not null) ? $", {Count(work.Sum(w => w.PromptTokens!.Value))} prompt tokens" : string.Empty;
        output.WriteLine($"Plan: {work.Count} dataset(s), {Count(work.Sum(w => w.Questions))} questions, {Count(work.Sum(w => w.ModelCalls))} model calls in the naive plan{tokens}" +
            (models > 1 ? $", per model ({models} models)." : "."));
        output.WriteLine("Nothing was run (--dry-run).");
        return 0;
    }

    private static string Count(long value) => value.ToString(CultureInfo.InvariantCulture);
}
