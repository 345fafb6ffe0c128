using System.CommandLine;
using EvalTests.Cli.Data;
using EvalTests.Datasets;
using Spectre.Console;

namespace EvalTests.Cli.Commands;

/// <summary><c>evaltests data pull|verify</c>: fetch a benchmark's upstream archive into the cache, or check file hashes.</summary>
internal static class DataCommand
{
    public static Command Create(IAnsiConsole console)
    {
        var command = new Command("data", "Download and verify benchmark data.");
        command.Subcommands.Add(Pull(console));
        command.Subcommands.Add(Verify(console));
        return command;
    }

    private static Command Pull(IAnsiConsole console)
    {
        var name = new Argument<string>("benchmark") { Description = "The benchmark (e.g. ceval, cmmlu)." };
        var url = new Option<Uri?>("--url") { Description = "Download from this address instead of the card's upstream URL (a mirror)." };
        var target = new Option<string?>("--data-root") { Description = "Install under this folder instead of the per-user cache." };
        var command = new Command("pull", "Download a benchmark's upstream archive, verify every file's SHA-256 and install it (resumable).") { name, url, target };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var card = FindCard(parse.GetValue(name)!);
            var root = parse.GetValue(target) ?? UserCache.DatasetsFolder;
            using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
            string folder;
            if (console.Profile.Capabilities.Interactive)
            {
                folder = await console.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new DownloadedColumn(), new TransferSpeedColumn(), new RemainingTimeColumn())
                    .StartAsync(async context =>
                    {
                        var bar = context.AddTask(card.Name);
                        var reporter = new Progress<DownloadProgress>(p =>
                        {
                            bar.MaxValue = p.TotalBytes ?? Math.Max(bar.MaxValue, p.Bytes);
                            bar.Value = p.Bytes;
                        });
                        return await new DatasetDownloader(http).PullAsync(card, root, parse.GetValue(url), reporter, cancellationToken);
                    });
            }
            else
            {
                console.WriteLine($"Downloading {parse.GetValue(url)?.ToString() ?? card.Upstream?.Url} …");
                folder = await new DatasetDownloader(http).PullAsync(card, root, parse.GetValue(url), progress: null, cancellationToken);
            }

            console.WriteLine($"{card.Title}: {card.Sha256.Count} files verified and installed in {folder}");
            return 0;
        });
        return command;
    }

    private static Command Verify(IAnsiConsole console)
    {
        var names = new Argument<string[]>("benchmarks") { Description = "Benchmarks to check (default: all).", Arity = ArgumentArity.ZeroOrMore };
        var dataRoot = new Option<string?>("--data-root") { Description = "Folder holding ceval/, cmmlu/, …" };
        var command = new Command("verify", "Check every data file against the SHA-256 in its card.") { names, dataRoot };
        command.SetAction(parse =>
        {
            var selected = parse.GetValue(names) is { Length: > 0 } requested ? requested.Select(FindCard).ToList() : DatasetCatalog.Default.Cards.ToList();
            var roots = BuildDefaults.DataRoots(parse.GetValue(dataRoot));
            var failures = 0;
            foreach (var card in selected)
            {
                var folder = roots.ResolveBenchmarkFolder(card);
                var checks = DataIntegrity.Verify(card, folder);
                var bad = checks.Where(c => !c.IsValid).ToList();
                failures += bad.Count;
                console.WriteLine($"{card.Name}: {checks.Count - bad.Count}/{checks.Count} files match ({folder})");
                foreach (var check in bad)
                {
                    console.WriteLine(check.Actual is null
                        ? $"  MISSING  {Path.Combine(folder, check.RelativePath)}"
                        : $"  MISMATCH {Path.Combine(folder, check.RelativePath)}: expected {check.Expected}, found {check.Actual}");
                }
            }

            return failures == 0 ? 0 : 1;
        });
        return command;
    }

    private static DatasetCard FindCard(string name) =>
        DatasetCatalog.Default.Cards.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"Unknown benchmark '{name}'. Known: {string.Join(", ", DatasetCatalog.Default.Cards.Select(c => c.Name))}.");
}
