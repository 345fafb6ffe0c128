namespace EvalTests.Datasets;

/// <summary>A place a data root may be configured, in the order they are consulted.</summary>
/// <param name="Source">How the user set it (e.g. <c>--data-root</c>, <c>EVALTESTS_DATA_ROOT</c>).</param>
/// <param name="Path">The folder, or null when that source is not set.</param>
public sealed record DataRootCandidate(string Source, string? Path);

/// <summary>
/// Finds the folder that holds a benchmark's files: the CLI option, then the environment variable, then the
/// build's configured default, then the per-user cache. When none holds them, the error lists every place looked at.
/// </summary>
public sealed class DataRootResolver
{
    /// <summary>The environment variable that names a data root.</summary>
    public const string EnvironmentVariable = "EVALTESTS_DATA_ROOT";

    private readonly IReadOnlyList<DataRootCandidate> _candidates;

    /// <summary>Creates a resolver over explicit candidates, consulted in order.</summary>
    public DataRootResolver(IReadOnlyList<DataRootCandidate> candidates) => _candidates = candidates;

    /// <summary>
    /// The standard order: an explicit option is the only place searched (a user who names a folder means that folder);
    /// without one, the environment variable, the build default, then the per-user cache.
    /// </summary>
    public static DataRootResolver Standard(string? optionValue, string? buildDefault = null) => optionValue is not null
        ? new([new("--data-root option", optionValue)])
        : new(
        [
            new("--data-root option", null),
            new($"{EnvironmentVariable} environment variable", Environment.GetEnvironmentVariable(EnvironmentVariable)),
            new("EvalTestsDataRoot build property", buildDefault),
            new("per-user cache", UserCache.DatasetsFolder),
        ]);

    /// <summary>The candidates, in the order they are consulted.</summary>
    public IReadOnlyList<DataRootCandidate> Candidates => _candidates;

    /// <summary>
    /// Returns the benchmark folder: the one a card read from a file names (beside it, or its <c>dataDir</c>), else
    /// <c>&lt;root&gt;/&lt;card name&gt;</c> of the first candidate that holds the card's files.
    /// </summary>
    /// <exception cref="DataNotFoundException">No candidate holds them.</exception>
    public string ResolveBenchmarkFolder(DatasetCard card)
    {
        if (card.Location is { } located)
        {
            return Directory.Exists(located) ? located : throw new DataNotFoundException($"{card.Source}: the data folder {located} does not exist (the card's dataDir is relative to the card file).");
        }

        var probe = card.Sha256.Keys.FirstOrDefault() ?? card.RelativePath(card.Splits.Eval, card.Subsets[0].Name);
        foreach (var candidate in _candidates)
        {
            if (string.IsNullOrWhiteSpace(candidate.Path))
            {
                continue;
            }

            var folder = Path.Combine(candidate.Path, card.Name);
            if (File.Exists(Path.Combine(folder, probe)))
            {
                return Path.GetFullPath(folder);
            }
        }

        throw new DataNotFoundException(Describe(card, probe));
    }

    private string Describe(DatasetCard card, string probe)
    {
        var lines = new List<string> { $"The {card.Title} data ('{card.Name}/{probe}' and its siblings) was not found. Looked in:" };
        foreach (var candidate in _candidates)
        {
            lines.Add(string.IsNullOrWhiteSpace(candidate.Path)
                ? $"  - {candidate.Source}: not set"
                : $"  - {candidate.Source}: {Path.Combine(candidate.Path, card.Name)} (missing)");
        }

        lines.Add("Provide the data in one of these ways:");
        lines.Add($"  - run `evaltests data pull {card.Name}` to download it into the per-user cache ({UserCache.DatasetsFolder});");
        lines.Add($"  - pass --data-root <folder> or set {EnvironmentVariable}=<folder>, where <folder>/{card.Name}/{probe} exists;");
        lines.Add("  - set the EvalTestsDataRoot MSBuild property.");
        return string.Join(Environment.NewLine, lines);
    }
}

/// <summary>Thrown when a benchmark's data cannot be found anywhere.</summary>
public sealed class DataNotFoundException(string message) : Exception(message);

/// <summary>The per-user cache folder (<c>$XDG_CACHE_HOME/evaltests</c> or <c>~/.cache/evaltests</c>, <c>EVALTESTS_CACHE</c> overrides).</summary>
public static class UserCache
{
    /// <summary>The root of the cache.</summary>
    public static string Root
    {
        get
        {
            var explicitRoot = Environment.GetEnvironmentVariable("EVALTESTS_CACHE");
            if (!string.IsNullOrWhiteSpace(explicitRoot))
            {
                return explicitRoot;
            }

            var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            var baseFolder = !string.IsNullOrWhiteSpace(xdg)
                ? xdg
                : OperatingSystem.IsWindows()
                    ? Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData)
                    : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
            return Path.Combine(baseFolder, "evaltests");
        }
    }

    /// <summary>Where <c>data pull</c> puts benchmark files.</summary>
    public static string DatasetsFolder => Path.Combine(Root, "datasets");

    /// <summary>Where API replies are cached by default (one JSONL file per model identity).</summary>
    public static string ResponsesFolder => Path.Combine(Root, "responses");
}
