using Spectre.Console;
using Spectre.Console.Testing;

namespace EvalTests.Cli.Tests;

/// <summary>Runs the evaltests command in-process and captures what a user would see.</summary>
internal static class CliRunner
{
    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var console = new TestConsole().Width(240);
        var exit = await EvalTestsCommand.InvokeAsync(args, output, error, console);
        return (exit, output + console.Output, error.ToString());
    }

    /// <summary>Runs a command that must succeed (a reference run a spec compares with); returns what it printed.</summary>
    public static async Task<string> RunOkAsync(params string[] args)
    {
        var (exit, output, error) = await RunAsync(args);
        Assert.True(exit == 0, $"evaltests {string.Join(' ', args)} exited {exit}:\n{error}{output}");
        return output;
    }

    /// <summary>The summary table a run printed (from its header line to the first blank line); fails when there is none.</summary>
    public static string SummaryTable(string output)
    {
        var table = string.Join('\n', output.Split('\n').SkipWhile(l => !l.StartsWith("dataset", StringComparison.Ordinal)).TakeWhile(l => l.Trim().Length > 0));
        Assert.True(table.Length > 0, $"no summary table in:\n{output}");
        return table;
    }
}
