using System.CommandLine;
using EvalTests.Datasets;
using EvalTests.Datasets.Cards;

namespace EvalTests.Cli.Commands;

/// <summary>
/// The options that bring a user's datasets into a command: card files, a cards folder, and OpenCompass's quick custom
/// dataset. Every command that resolves dataset names takes them, so a user's configs resolve everywhere.
/// </summary>
internal sealed class CardOptions
{
    public Option<string[]> Cards { get; } = new("--card") { Description = "A dataset card file of your own (docs/datasets.md); repeatable. Its configs are evaluated, beside any --datasets.", AllowMultipleArgumentsPerToken = true };

    public Option<string?> CardsDir { get; } = new("--cards-dir") { Description = $"A folder of *.card.json whose configs can be named in --datasets (else ${CardFolders.EnvironmentVariable})." };

    public Option<string?> CustomPath { get; } = new("--custom-dataset-path") { Description = "A .jsonl or .csv of question, A, B, … and answer (or question and answer), evaluated beside any --datasets with OpenCompass's default prompts, as its run.py takes it." };

    public Option<EvalMode?> CustomInferMethod { get; } = new("--custom-dataset-infer-method") { Description = "gen (default) or ppl, for --custom-dataset-path." };

    public Option<CustomDataType?> CustomDataType { get; } = new("--custom-dataset-data-type") { Description = "mcq or qa (default: mcq when the file has columns A and B), for --custom-dataset-path." };

    public Option<string?> CustomMetaPath { get; } = new("--custom-dataset-meta-path") { Description = "The custom dataset's meta JSON (default: <file>.meta.json beside it)." };

    public IEnumerable<Option> All => [Cards, CardsDir, CustomPath, CustomInferMethod, CustomDataType, CustomMetaPath];

    /// <summary>The built-in cards with the user's, and the configs the user's cards and custom dataset bring.</summary>
    public (DatasetCatalog Catalog, IReadOnlyList<string> Brought) Resolve(ParseResult parse)
    {
        var folders = new List<(string, string)>();
        if (parse.GetValue(CardsDir) is { } folder)
        {
            folders.Add((folder, "--cards-dir"));
        }
        else if (Environment.GetEnvironmentVariable(CardFolders.EnvironmentVariable) is { Length: > 0 } fromEnvironment)
        {
            folders.Add((fromEnvironment, CardFolders.EnvironmentVariable));
        }

        var files = (parse.GetValue(Cards) ?? []).Select(path => CardReader.ReadFile(path)).ToList();
        var custom = parse.GetValue(CustomPath) is { } path
            ? CustomDataset.Create(path, parse.GetValue(CustomInferMethod), parse.GetValue(CustomDataType), parse.GetValue(CustomMetaPath))
            : null;
        var catalog = DatasetCatalog.WithUserCards([], folders).With([.. files, .. custom is null ? [] : new[] { custom }]);
        return (catalog, [.. files.Concat(custom is null ? [] : [custom]).SelectMany(c => c.Configs.Select(config => config.Name))]);
    }

    /// <summary>The configs to run: those named, then those the user's card files and custom dataset bring; an error when there are none.</summary>
    public static IReadOnlyList<string> Datasets(string[]? named, IReadOnlyList<string> brought)
    {
        var all = (named ?? []).Concat(brought).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        return all.Count > 0 ? all : throw new ArgumentException("Name the datasets to run: --datasets ceval_gen …, a card file with --card, or --custom-dataset-path (see `evaltests list`).");
    }
}
