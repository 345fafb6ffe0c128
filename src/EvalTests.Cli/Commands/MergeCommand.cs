using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using EvalTests.Datasets;
using EvalTests.Runs;
using EvalTests.Scoring;

namespace EvalTests.Cli.Commands;

/// <summary>
/// <c>evaltests merge</c>: combines the run folders of shards (<c>run --shard i/n</c> on several machines) into one run
/// folder and scores it, so its summary is that of a single run.
/// </summary>
internal static class MergeCommand
{
    public static Command Create(TextWriter output)
    {
        var runs = new Option<string[]>("--runs") { Description = "The shards' run folders (e.g. outputs/default/20261124_101500 from each machine).", Required = true, AllowMultipleArgumentsPerToken = true };
        var datasets = new Option<string[]>("--datasets", "-d") { Description = "The dataset configs the shards ran.", AllowMultipleArgumentsPerToken = true };
        var cards = new CardOptions();
        var subsets = new Option<string[]>("--subsets") { Description = "The subsets the shards ran, when not all.", AllowMultipleArgumentsPerToken = true };
        var limit = new Option<int?>("--limit") { Description = "The --limit the shards ran with." };
        var dataRoot = new Option<string?>("--data-root") { Description = "Folder holding ceval/, cmmlu/, … (for the gold answers)." };
        var workDir = new Option<string>("--work-dir", "-w") { Description = "Where the merged run folder is written.", DefaultValueFactory = _ => Path.Combine("outputs", "default") };
        var abbr = new Option<string?>("--abbr") { Description = "The model to merge, when the shards ran several." };
        var postprocessor = new Option<string?>("--postprocessor") { Description = "Extract gen answers with this postprocessor instead of the config's." };
        var command = new Command("merge", "Combine shard run folders into one run and print its summary (equal to a single run's).")
        {
            runs, datasets, subsets, limit, dataRoot, workDir, abbr, postprocessor,
        };
        foreach (var option in cards.All)
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parse, cancellationToken) =>
        {
            var elapsed = Stopwatch.StartNew();
            var (catalog, brought) = cards.Resolve(parse);
            var plan = RunPlan.Create(catalog, CardOptions.Datasets(parse.GetValue(datasets), brought), parse.GetValue(subsets));
            var roots = BuildDefaults.DataRoots(parse.GetValue(dataRoot));
            var folders = plan.Tasks.Select(t => t.Card).Distinct().ToDictionary(c => c.Name, roots.ResolveBenchmarkFolder);
            var layout = new RunOutputLayout(parse.GetValue(workDir)!, RunOutputLayout.NewTimestamp(TimeProvider.System));
            foreach (var run in parse.GetValue(runs)!)
            {
                CopyRun(run, layout.RunFolder);
            }

            output.WriteLine($"Merged {parse.GetValue(runs)!.Length} run folder(s) into {Path.GetFullPath(layout.RunFolder)}");
            await using var model = RecordedModel.FromRun(layout, parse.GetValue(abbr));
            var settings = new RunSettings
            {
                WorkDir = layout.WorkDir,
                Timestamp = layout.Timestamp,
                Mode = RunMode.Eval,
                Limit = parse.GetValue(limit),
                Postprocessor = parse.GetValue(postprocessor) is { } spec ? PostprocessorSpec.Parse(spec) : null,
            };
            var result = await new EvaluationRunner(model, settings).RunAsync(plan, card => folders[card.Name], cancellationToken);
            return RunReport.Write(output, result, elapsed.Elapsed, usage: null, RunMode.Eval);
        });
        return command;
    }

    /// <summary>Copies a shard's configs, checkpoints, predictions and logs; two shards holding the same file are an error.</summary>
    private static void CopyRun(string run, string target)
    {
        if (!Directory.Exists(RunOutputLayout.Of(run).PredictionsFolder))
        {
            throw new DirectoryNotFoundException($"{Path.GetFullPath(run)} is not a run folder with predictions/ (pass the <work-dir>/<timestamp> folder each shard wrote).");
        }

        foreach (var folder in RunOutputLayout.ShardFolders)
        {
            var source = Path.Combine(run, folder);
            if (!Directory.Exists(source))
            {
                continue;
            }

            foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
            {
                var destination = Path.Combine(target, folder, Path.GetRelativePath(source, file));
                if (File.Exists(destination))
                {
                    throw new IOException($"{file}: another run folder already gave {destination}; shards must hold disjoint datasets (ran with --shard i/n of the same n?).");
                }

                Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
                File.Copy(file, destination);
            }
        }
    }
}
