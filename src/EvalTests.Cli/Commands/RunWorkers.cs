using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using EvalTests.Runs;

namespace EvalTests.Cli.Commands;

/// <summary><c>run --max-num-workers N</c>: the run split over worker processes, one shard each, in one run folder.</summary>
internal static class RunWorkers
{
    /// <summary>
    /// Starts one <c>evaltests run</c> per shard (infer mode, the same run folder, its output in
    /// <c>logs/workers/</c>) and waits for all; a failed worker is reported with the end of its log.
    /// </summary>
    public static async Task<int> RunAsync(ParseResult parse, int count, RunOutputLayout layout, TextWriter output, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(layout.WorkerLog(1, count))!);
        // Workers neither split again nor notify: the run that starts them reports once.
        var arguments = WithoutOptions(parse.Tokens.Select(t => t.Value).ToList(), "--max-num-workers", "--mode", "--shard", "--reuse", "-r", "--lark", "--notify");
        output.WriteLine($"Starting {count} workers on run {layout.Timestamp}.");
        var elapsed = Stopwatch.StartNew();
        var workers = Enumerable.Range(1, count).Select(async index =>
        {
            var log = layout.WorkerLog(index, count);
            var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
            start.ArgumentList.Add(typeof(RunCommand).Assembly.Location);
            // Workers share the machine's cores rather than each taking them all.
            var threads = arguments.Contains("--threads") ? [] : new[] { "--threads", Math.Max(1, Environment.ProcessorCount / count).ToString(CultureInfo.InvariantCulture) };
            foreach (var argument in arguments.Concat(["--shard", $"{index}/{count}", "--mode", "infer", "--reuse", layout.Timestamp]).Concat(threads))
            {
                start.ArgumentList.Add(argument);
            }

            using var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start a worker process");
            await using var file = File.CreateText(log);
            var copyOut = process.StandardOutput.BaseStream.CopyToAsync(file.BaseStream, cancellationToken);
            var copyError = process.StandardError.ReadToEndAsync(cancellationToken);
            try
            {
                await process.WaitForExitAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw;
            }

            await copyOut;
            var error = await copyError;
            await file.WriteAsync(error);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  worker {index}/{count} {(process.ExitCode == 0 ? "done" : $"failed (exit {process.ExitCode})")} after {elapsed.Elapsed.TotalSeconds:F1} s; log {log}"));
            return (process.ExitCode, error);
        }).ToList();
        var results = await Task.WhenAll(workers);
        var failed = results.Where(r => r.ExitCode != 0).ToList();
        if (failed.Count > 0)
        {
            output.WriteLine($"{failed.Count} worker(s) failed; finished datasets are kept, continue with --reuse {layout.Timestamp}. First error: {failed[0].error.Trim()}");
            return 1;
        }

        return 0;
    }

    /// <summary>The command line without the named options (and their values).</summary>
    private static List<string> WithoutOptions(List<string> tokens, params string[] names)
    {
        var kept = new List<string>();
        for (var i = 0; i < tokens.Count; i++)
        {
            if (names.Contains(tokens[i]))
            {
                // --reuse takes an optional value; the others take one.
                if (i + 1 < tokens.Count && !tokens[i + 1].StartsWith('-'))
                {
                    i++;
                }

                continue;
            }

            kept.Add(tokens[i]);
        }

        return kept;
    }
}
