using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.ML.OnnxRuntime;

namespace EvalTests.Benchmarks;

/// <summary>
/// <c>plan-ratios</c>: the whole <c>evaltests run</c> process against the least work its job needs (issue 19), from one
/// run, for C-Eval ppl and gen on the given subjects, every question: a bare minimal loop (<see cref="MinimalPpl"/>,
/// <see cref="MinimalGen"/>) in a process of its own, the CLI at fixed batch sizes and at <c>auto</c>; each the best of
/// three, interleaved. Prints wall times, positions and peak RSS, and the ratios harness ÷ bare, positions harness ÷
/// minimal, auto ÷ best fixed, peak RSS harness ÷ bare.
/// </summary>
public static class PlanRatios
{
    /// <summary>The answer length both sides generate: the CLI's default <c>max_out_len</c> for C-Eval gen.</summary>
    private const int MaxOutLen = 100;

    public static async Task<int> RunAsync(string[] args)
    {
        // --only ppl|gen measures one mode (each takes minutes); by default both.
        var only = args.Length > 1 && args[0] == "--only" ? args[1] : null;
        args = only is null ? args : args[2..];
        var model = args.Length > 0 ? args[0] : "llama-6M-random";
        string[] subjects = args.Length > 1 ? args[1..] : ["computer_network", "law", "high_school_physics"];
        var cli = Path.Combine(RepositoryRoot(), "src", "EvalTests.Cli", "bin", "Release", "net10.0", "evaltests.dll");
        if (!File.Exists(cli))
        {
            Console.Error.WriteLine($"{cli} is missing: build it first (dotnet build -c Release src/EvalTests.Cli).");
            return 2;
        }

        Console.WriteLine($"model {model}, C-Eval {string.Join(' ', subjects)}, every question, {Environment.ProcessorCount} cores; each the best of three");
        var (ppl, gen, eos) = await SequencesAsync(model, subjects);
        if (only is null or "ppl")
        {
            await CompareAsync("ppl", ppl, ["16", "4", "1", "auto"]);
        }

        if (only is null or "gen")
        {
            await CompareAsync("gen", gen, ["16", "4", "auto"], $"{MaxOutLen}", string.Join(',', eos));
        }

        return 0;

        async Task CompareAsync(string mode, object sequences, string[] batchSizes, params string[] bareOptions)
        {
            var sequencesFile = Path.Combine(Path.GetTempPath(), $"evaltests-plan-{Environment.ProcessId}-{mode}.json");
            await File.WriteAllTextAsync(sequencesFile, JsonSerializer.Serialize(sequences));
            try
            {
                var onnx = Path.Combine(Workload.SharedRoot, "models", model, "onnx", "model.onnx");
                var sides = new List<(string Name, string[] Arguments)> { ("bare", [typeof(PlanRatios).Assembly.Location, $"bare-{mode}", onnx, sequencesFile, .. bareOptions]) };
                foreach (var batch in batchSizes)
                {
                    var work = Path.Combine(Path.GetTempPath(), $"evaltests-plan-{Environment.ProcessId}-{mode}-{batch}");
                    sides.Add((batch, [cli, "run", "--model", model, "--datasets", $"ceval_{mode}", "--subsets", .. subjects, "--batch-size", batch, "--max-out-len", $"{MaxOutLen}", "-w", work]));
                }

                var best = await BestOfThreeAsync(sides);
                Report(mode, best);
            }
            finally
            {
                File.Delete(sequencesFile);
            }
        }
    }

    /// <summary><c>bare-ppl ONNX SEQUENCES</c> / <c>bare-gen ONNX SEQUENCES MAX_OUT_LEN EOS_IDS</c>: a bare loop alone, as a process of its own.</summary>
    public static int RunBare(string mode, string[] args)
    {
        using var session = new InferenceSession(args[0]);
        if (mode == "ppl")
        {
            var ppl = MinimalPpl.Run(session, JsonSerializer.Deserialize<int[][][][]>(File.ReadAllText(args[1]))!);
            Console.WriteLine(FormattableString.Invariant($"positions {ppl.Positions} loop {ppl.Elapsed.TotalSeconds:F2} s log-likelihood sum {ppl.LogLikelihoodSum:F4}"));
        }
        else
        {
            var eos = args[3].Split(',', StringSplitOptions.RemoveEmptyEntries).Select(id => int.Parse(id, CultureInfo.InvariantCulture)).ToHashSet();
            var gen = MinimalGen.Run(session, JsonSerializer.Deserialize<int[][][]>(File.ReadAllText(args[1]))!, int.Parse(args[2], CultureInfo.InvariantCulture), eos);
            Console.WriteLine(FormattableString.Invariant($"positions {gen.Positions} loop {gen.Elapsed.TotalSeconds:F2} s generated {gen.Generated} checksum {gen.Checksum}"));
        }

        return 0;
    }

    private static void Report(string mode, Dictionary<string, Measured> best)
    {
        var bare = best["bare"];
        var bareLine = Regex.Match(bare.Output, @"positions (\d+) loop ([\d.]+) s");
        var minimal = long.Parse(bareLine.Groups[1].Value, CultureInfo.InvariantCulture);
        Console.WriteLine(FormattableString.Invariant($"{mode}: bare minimal loop: {bare.Wall.TotalSeconds:F1} s as a process ({bareLine.Groups[2].Value} s the loop), {minimal:N0} positions, peak RSS {bare.PeakBytes / 1e9:F2} GB"));
        var runs = new List<(string Batch, Measured Run, long Positions)>();
        foreach (var (batch, run) in best.Where(b => b.Key != "bare"))
        {
            var positions = Regex.Match(run.Output, @"positions run ([\d,]+)") is { Success: true } m ? long.Parse(m.Groups[1].Value, NumberStyles.AllowThousands, CultureInfo.InvariantCulture) : -1;
            runs.Add((batch, run, positions));
            Console.WriteLine(FormattableString.Invariant($"{mode}: evaltests run --batch-size {batch}: {run.Wall.TotalSeconds:F1} s, {positions:N0} positions, peak RSS {run.PeakBytes / 1e9:F2} GB"));
        }

        var fastest = runs.Where(r => r.Batch != "auto").MinBy(r => r.Run.Wall);
        var standard = runs[0];
        var auto = runs[^1];
        Console.WriteLine(FormattableString.Invariant($"{mode}: harness (batch {standard.Batch}) ÷ bare minimal, whole processes: {standard.Run.Wall / bare.Wall:F2} (target <= 1.10)"));
        Console.WriteLine(FormattableString.Invariant($"{mode}: positions harness ÷ minimal: {(double)standard.Positions / minimal:F3} (target 1.000)"));
        Console.WriteLine(FormattableString.Invariant($"{mode}: auto ÷ best fixed (batch {fastest.Batch}): {auto.Run.Wall / fastest.Run.Wall:F2} (target <= 1.05)"));
        Console.WriteLine(FormattableString.Invariant($"{mode}: peak RSS harness ÷ bare: {(double)standard.Run.PeakBytes / bare.PeakBytes:F2} (target <= 2)"));
    }

    /// <summary>The best of three runs of each side, the sides interleaved so that a slow spell of the machine falls on all of them.</summary>
    private static async Task<Dictionary<string, Measured>> BestOfThreeAsync(List<(string Name, string[] Arguments)> sides)
    {
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

        return best;
    }

    /// <summary>
    /// Every option's token sequence (subject → question → option) and every gen prompt's (subject → question), as the
    /// harness renders and encodes them, and the model's end-of-sequence ids.
    /// </summary>
    private static async Task<(int[][][][] Ppl, int[][][] Gen, IReadOnlyList<int> Eos)> SequencesAsync(string model, string[] subjects)
    {
        await using var harness = Workload.Load(model);
        var context = harness.Descriptor.MaxSequenceLength;
        int[][][][] ppl = [.. subjects.Select(subject =>
        {
            var (prompter, samples) = Workload.Subject("ceval_ppl", subject);
            return samples.Select(s => prompter.BuildPerplexity(s, harness, context).Select(p => harness.EncodeForScoring(p.Prompt).ToArray()).ToArray()).ToArray();
        })];
        int[][][] gen = [.. subjects.Select(subject =>
        {
            var (prompter, samples) = Workload.Subject("ceval_gen", subject);
            return samples.Select(s => harness.EncodeForGeneration(prompter.BuildGeneration(s, harness, context - MaxOutLen).Prompt).ToArray()).ToArray();
        })];
        return (ppl, gen, harness.EndOfSequenceIds);
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
