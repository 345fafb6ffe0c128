using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.ML.OnnxRuntime;

namespace EvalTests.Benchmarks;

/// <summary>
/// <c>plan-ratios</c>: the whole <c>evaltests run</c> process against the least work its job needs (issue 19), from one
/// run: C-Eval ppl on the given subjects, every question; the bare minimal loop (<see cref="MinimalPpl"/>) in a process of
/// its own; the CLI at several fixed batch sizes and at <c>auto</c>; each the best of three, interleaved. Prints wall times, positions and peak RSS, and the
/// ratios harness ÷ bare, positions harness ÷ minimal, auto ÷ best fixed, peak RSS harness ÷ bare.
/// </summary>
public static class PlanRatios
{
    public static async Task<int> RunAsync(string[] args)
    {
        var model = args.Length > 0 ? args[0] : "llama-6M-random";
        string[] subjects = args.Length > 1 ? args[1..] : ["computer_network", "law", "high_school_physics"];
        var cli = Path.Combine(RepositoryRoot(), "src", "EvalTests.Cli", "bin", "Release", "net10.0", "evaltests.dll");
        if (!File.Exists(cli))
        {
            Console.Error.WriteLine($"{cli} is missing: build it first (dotnet build -c Release src/EvalTests.Cli).");
            return 2;
        }

        Console.WriteLine($"model {model}, C-Eval ppl {string.Join(' ', subjects)}, every question, {Environment.ProcessorCount} cores");
        var sequencesFile = Path.Combine(Path.GetTempPath(), $"evaltests-plan-{Environment.ProcessId}.json");
        try
        {
            await File.WriteAllTextAsync(sequencesFile, JsonSerializer.Serialize(await SequencesAsync(model, subjects)));
            var self = typeof(PlanRatios).Assembly.Location;
            var onnx = Path.Combine(Workload.SharedRoot, "models", model, "onnx", "model.onnx");
            var sides = new List<(string Name, string[] Arguments)> { ("bare", [self, "bare-ppl", onnx, sequencesFile]) };
            foreach (var batch in new[] { "16", "4", "1", "auto" })
            {
                var work = Path.Combine(Path.GetTempPath(), $"evaltests-plan-{Environment.ProcessId}-{batch}");
                sides.Add((batch, [cli, "run", "--model", model, "--datasets", "ceval_ppl", "--subsets", .. subjects, "--batch-size", batch, "-w", work]));
            }

            // Best of three, the sides interleaved so that a slow spell of the machine falls on all of them.
            var best = new Dictionary<string, Measured>();
            for (var repetition = 0; repetition < 3; repetition++)
            {
                foreach (var (name, arguments) in sides)
                {
                    var measured = await MeasureAsync(arguments);
                    if (name != "bare")
                    {
                        Directory.Delete(arguments[^1], recursive: true);
                    }

                    best[name] = best.TryGetValue(name, out var earlier) && earlier.Wall <= measured.Wall ? earlier : measured;
                }
            }

            var bare = best["bare"];
            var bareLine = Regex.Match(bare.Output, @"positions (\d+) loop ([\d.]+) s");
            var minimal = long.Parse(bareLine.Groups[1].Value, CultureInfo.InvariantCulture);
            Console.WriteLine(FormattableString.Invariant($"bare minimal loop: {bare.Wall.TotalSeconds:F1} s as a process ({bareLine.Groups[2].Value} s the loop), {minimal:N0} positions, peak RSS {bare.PeakBytes / 1e9:F2} GB"));
            var runs = new List<(string Batch, Measured Run, long Positions)>();
            foreach (var (batch, run) in best.Where(b => b.Key != "bare"))
            {
                var positions = Regex.Match(run.Output, @"positions run ([\d,]+)") is { Success: true } m ? long.Parse(m.Groups[1].Value, NumberStyles.AllowThousands, CultureInfo.InvariantCulture) : -1;
                runs.Add((batch, run, positions));
                Console.WriteLine(FormattableString.Invariant($"evaltests run --batch-size {batch}: {run.Wall.TotalSeconds:F1} s, {positions:N0} positions, peak RSS {run.PeakBytes / 1e9:F2} GB"));
            }

            var fixedRuns = runs.Where(r => r.Batch != "auto").ToList();
            var fastest = fixedRuns.MinBy(r => r.Run.Wall);
            var standard = runs[0];
            var auto = runs[^1];
            Console.WriteLine(FormattableString.Invariant($"harness (batch 16) ÷ bare minimal, whole processes: {standard.Run.Wall / bare.Wall:F2} (target <= 1.10)"));
            Console.WriteLine(FormattableString.Invariant($"positions harness ÷ minimal: {(double)standard.Positions / minimal:F3} (target 1.000)"));
            Console.WriteLine(FormattableString.Invariant($"auto ÷ best fixed (batch {fastest.Batch}): {auto.Run.Wall / fastest.Run.Wall:F2} (target <= 1.05)"));
            Console.WriteLine(FormattableString.Invariant($"peak RSS harness ÷ bare: {(double)standard.Run.PeakBytes / bare.PeakBytes:F2} (target <= 2)"));
            return 0;
        }
        finally
        {
            File.Delete(sequencesFile);
        }
    }

    /// <summary><c>bare-ppl ONNX SEQUENCES</c>: the bare minimal loop alone, as a process of its own.</summary>
    public static int RunBare(string[] args)
    {
        var subjects = JsonSerializer.Deserialize<int[][][][]>(File.ReadAllText(args[1]))!;
        using var session = new InferenceSession(args[0]);
        var outcome = MinimalPpl.Run(session, subjects);
        Console.WriteLine(FormattableString.Invariant($"positions {outcome.Positions} loop {outcome.Elapsed.TotalSeconds:F2} s log-likelihood sum {outcome.LogLikelihoodSum:F4}"));
        return 0;
    }

    /// <summary>Every option's token sequence, as the harness renders and encodes them: subject → question → option.</summary>
    private static async Task<int[][][][]> SequencesAsync(string model, string[] subjects)
    {
        await using var harness = Workload.Load(model);
        return [.. subjects.Select(subject =>
        {
            var (prompter, samples) = Workload.Subject("ceval_ppl", subject);
            return samples.Select(s => prompter.BuildPerplexity(s, harness, harness.Descriptor.MaxSequenceLength)
                .Select(p => harness.EncodeForScoring(p.Prompt).ToArray()).ToArray()).ToArray();
        })];
    }

    private sealed record Measured(TimeSpan Wall, long PeakBytes, string Output);

    /// <summary>Runs <c>dotnet ARGS</c>, timing it and sampling its peak resident set (Linux's VmHWM) until it exits.</summary>
    private static async Task<Measured> MeasureAsync(IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        long peak = 0;
        while (!process.HasExited)
        {
            peak = Math.Max(peak, PeakResidentBytes(process.Id));
            await Task.Delay(20);
        }

        var wall = clock.Elapsed;
        var text = await output + await error;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"dotnet {string.Join(' ', start.ArgumentList)} failed ({process.ExitCode}):\n{text}");
        }

        return new Measured(wall, peak, text);
    }

    private static long PeakResidentBytes(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
        }
        catch (IOException)
        {
            return 0; // it exited between two samples
        }
    }

    private static string RepositoryRoot()
    {
        var folder = new DirectoryInfo(AppContext.BaseDirectory);
        while (folder is not null && !File.Exists(Path.Combine(folder.FullName, "EvalTests.sln")))
        {
            folder = folder.Parent;
        }

        return folder?.FullName ?? throw new DirectoryNotFoundException("run plan-ratios from the repository's benchmarks build");
    }
}
