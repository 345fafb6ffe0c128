
namespace EvalTests.Datasets;

/// <summary>The dataset cards shipped with EvalTests, and lookup of an evaluation config by name.</summary>
public sealed class DatasetCatalog
{
    private static readonly Lazy<DatasetCatalog> BuiltIn = new(LoadBuiltIn);

    /// <summary>Creates a catalog of the given cards.</summary>
    public DatasetCatalog(IReadOnlyList<DatasetCard> cards) => Cards = cards;

    /// <summary>The cards embedded in EvalTests (C-Eval, CMMLU).</summary>
    public static DatasetCatalog Default => BuiltIn.Value;

    /// <summary>All cards, in a stable order.</summary>
    public IReadOnlyList<DatasetCard> Cards { get; }

    /// <summary>Every (card, config) pair.</summary>
    public IEnumerable<(DatasetCard Card, DatasetConfig Config)> Configs =>
        Cards.SelectMany(card => card.Configs.Select(config => (card, config)));

    /// <summary>Finds a config by its name or alias, or explains which names exist.</summary>
    /// <exception cref="ArgumentException">No config has that name.</exception>
    public (DatasetCard Card, DatasetConfig Config) Resolve(string configName)
    {
        foreach (var pair in Configs)
        {
            if (pair.Config.IsNamed(configName))
            {
                return pair;
            }
        }

        var known = string.Join(", ", Configs.SelectMany(p => p.Config.Aliases.Prepend(p.Config.Name)));
        throw new ArgumentException($"Unknown dataset '{configName}'. Known datasets: {known}.", nameof(configName));
    }

    /// <summary>
    /// This catalog with more cards (a user's, from <c>--card</c>, <c>--cards-dir</c> or <c>Card=</c>). A card may not
    /// reuse a benchmark name or a config name or alias of another card.
    /// </summary>
    /// <exception cref="InvalidDataException">Two cards share a name.</exception>
    public DatasetCatalog With(IEnumerable<DatasetCard> cards)
    {
        var all = Cards.ToList();
        foreach (var card in cards)
        {
            if (all.FirstOrDefault(c => c.Name == card.Name) is { } same)
            {
                if (same.Source == card.Source)
                {
                    continue;
                }

                throw new InvalidDataException($"{card.Source}: the benchmark name '{card.Name}' is taken by {same.Source}; rename one of them.");
            }

            var names = card.Configs.SelectMany(c => c.Aliases.Prepend(c.Name)).ToList();
            if (all.SelectMany(c => c.Configs.Select(config => (Card: c, Config: config))).FirstOrDefault(p => names.Any(p.Config.IsNamed)) is { Card: { } owner, Config: { } clash })
            {
                throw new InvalidDataException($"{card.Source}: a config name or alias is taken by '{clash.Name}' of {owner.Source}; rename one of them.");
            }

            all.Add(card);
        }

        return new DatasetCatalog(all);
    }

    /// <summary>The built-in catalog with the cards of the given files and folders (each folder's <c>*.card.json</c>).</summary>
    /// <exception cref="InvalidDataException">A card is not valid, or two cards share a name.</exception>
    public static DatasetCatalog WithUserCards(IEnumerable<string> cardFiles, IEnumerable<(string Folder, string Source)> cardFolders) =>
        Default.With(cardFolders.SelectMany(f => EvalTests.Datasets.Cards.CardFolders.CardFiles(f.Folder, f.Source)).Concat(cardFiles).Select(path => EvalTests.Datasets.Cards.CardReader.ReadFile(path)).ToList());

    private static DatasetCatalog LoadBuiltIn()
    {
        var folder = EvalTests.Datasets.Cards.CardFolders.BuiltIn;
        // Built-in cards find their data under a data root (the cache, --data-root, …), not beside themselves.
        // Two packages may both bring them (flat, or in a folder per benchmark): one card per file name.
        return new DatasetCatalog([.. EvalTests.Datasets.Cards.CardFolders.CardFiles(folder, "the built-in cards")
            .DistinctBy(Path.GetFileName, StringComparer.Ordinal)
            .Select(path => EvalTests.Datasets.Cards.CardReader.ReadBuiltIn(path) with { Source = $"built-in card {Path.GetFileName(path)}" })]);
    }
}
