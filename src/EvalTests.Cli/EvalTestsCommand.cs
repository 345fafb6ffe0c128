using System.CommandLine;
using EvalTests.Cli.Commands;
using EvalTests.Datasets;
using EvalTests.Onnx.Loading;
using Spectre.Console;

namespace EvalTests.Cli;

/// <summary>The <c>evaltests</c> root command; errors the user can fix are printed as one message, not a stack trace.</summary>
internal static class EvalTestsCommand
{
    public static async Task<int> InvokeAsync(string[] args, TextWriter output, TextWriter error, IAnsiConsole console, CancellationToken cancellationToken = default)
    {
        var root = new RootCommand("EvalTests: evaluate language models the way OpenCompass does (C-Eval, CMMLU, …).")
        {
            RunCommand.Create(output),
            ServeCommand.Create(output),
            MergeCommand.Create(output),
            CompareCommand.Create(output),
            SummarizeCommand.Create(output),
            ReportCommand.Create(output),
            ListCommand.Create(console),
            DataCommand.Create(console),
        };

        var parse = root.Parse(args);
        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false }, cancellationToken);
        }
        catch (Exception ex) when (ex is DataNotFoundException or DatasetFormatException or ModelLoadException or NotSupportedException
                                       or ArgumentException or FormatException or DirectoryNotFoundException or FileNotFoundException or InvalidDataException or HttpRequestException or IOException)
        {
            // --debug shows the whole trace, as OpenCompass's --debug does; otherwise one line the user can act on.
            await error.WriteLineAsync(args.Contains("--debug") ? $"error: {ex}" : $"error: {ex.Message}");
            return 1;
        }
        catch (OperationCanceledException)
        {
            await error.WriteLineAsync("Cancelled. Files of finished datasets are kept in the run folder.");
            return 130;
        }
    }
}
