using System.Reflection;
using System.Text.Json;

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

    /// <summary>Reads a card from JSON.</summary>
    /// <exception cref="InvalidDataException">The card is not valid.</exception>
    public static DatasetCard ParseCard(string json, string source)
    {
        DatasetCard? card;
        try
        {
            card = JsonSerializer.Deserialize(json, CardJsonContext.Default.DatasetCard);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{source}: invalid dataset card: {ex.Message}", ex);
        }

        if (card is null)
        {
            throw new InvalidDataException($"{source}: the dataset card is empty.");
        }

        // The JSON source generator leaves absent collections null despite their initializers.
        card = card with
        {
            Configs = card.Configs.Select(c => c with
            {
                Aliases = c.Aliases ?? [], FewShotIds = c.FewShotIds ?? [], Labels = c.Labels ?? [], FixedShots = c.FixedShots ?? [], StopStrings = c.StopStrings ?? [],
                GoldColumn = c.GoldColumn ?? "answer",
            }).ToList(),
        };
        foreach (var config in card.Configs)
        {
            if ((config.Template is null) == (config.TextTemplate is null))
            {
                throw new InvalidDataException($"{source}: config '{config.Name}' needs either a template (HUMAN/BOT turns) or a textTemplate (OpenCompass's string templates), not {(config.Template is null ? "neither" : "both")}.");
            }

            if (config.Mode == EvalMode.Ppl && config.Labels.Count == 0)
            {
                throw new InvalidDataException($"{source}: config '{config.Name}' is ppl mode but lists no labels.");
            }

            if (config.Judge is { } judge)
            {
                if (config.Mode != EvalMode.Gen || judge.Template is null || judge.Template.Count == 0 || judge.Template.Any(t => t.Role is not ("system" or "human")))
                {
                    throw new InvalidDataException($"{source}: config '{config.Name}' has a judge, which needs gen mode and a template of system/human turns.");
                }

                if (judge.Cascade && (judge.Kind != JudgeKind.Verifier || config.Postprocessor is null))
                {
                    throw new InvalidDataException($"{source}: config '{config.Name}' cascades its judge, which needs a verifier judge and a postprocessor to try first.");
                }
            }

            if (config.FewShotIds.Count > 0 && card.Splits.FewShot is null)
            {
                throw new InvalidDataException($"{source}: config '{config.Name}' takes few-shot rows, but the card names no few-shot split.");
            }
        }

        return card;
    }

    private static DatasetCatalog LoadBuiltIn()
    {
        var assembly = typeof(DatasetCatalog).Assembly;
        var cards = new List<DatasetCard>();
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith("cards/", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var reader = new StreamReader(stream);
            cards.Add(ParseCard(reader.ReadToEnd(), name));
        }

        return new DatasetCatalog(cards);
    }
}
