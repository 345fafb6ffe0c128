using System.CommandLine;
using EvalTests.Datasets;
using Spectre.Console;

namespace EvalTests.Cli.Commands;

/// <summary><c>evaltests list</c>: the dataset configs and models that can be run (OpenCompass's tools/list_configs.py).</summary>
internal static class ListCommand
{
    public static Command Create(IAnsiConsole console)
    {
        var patterns = new Argument<string[]>("patterns") { Description = "Only names containing one of these (e.g. ceval).", Arity = ArgumentArity.ZeroOrMore };
        var modelsRoot = new Option<string?>("--models-root") { Description = "Folder holding model folders." };
        var cards = new CardOptions();
        var command = new Command("list", "List dataset configs and models, like OpenCompass's tools/list_configs.py.") { patterns, modelsRoot, cards.Cards, cards.CardsDir };
        command.SetAction(parse =>
        {
            var filters = parse.GetValue(patterns) ?? [];
            bool Matches(string name) => filters.Length == 0 || filters.Any(f => name.Contains(f, StringComparison.OrdinalIgnoreCase));

            var datasets = new Table().Title("Datasets").AddColumns("Dataset", "Aliases", "Benchmark", "Mode", "Subsets", "Split (few-shot)", "Postprocessor", "Groups");
            foreach (var (card, config) in cards.Resolve(parse).Catalog.Configs.Where(p => Matches(p.Config.Name) || p.Config.Aliases.Any(Matches) || Matches(p.Card.Name)))
            {
                datasets.AddRow(
                    Markup.Escape(config.Name),
                    Markup.Escape(string.Join(", ", config.Aliases)),
                    Markup.Escape(card.Title),
                    config.Mode.OpenCompassName(),
                    card.Subsets.Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    Markup.Escape($"{card.Splits.Eval} ({card.Splits.FewShot ?? "-"}, {config.FewShotIds.Count}-shot)"),
                    Markup.Escape(config.Postprocessor?.ToString() ?? "- (lowest ppl)"),
                    Markup.Escape(string.Join(", ", card.Groups.Select(g => config.Abbr + g.Suffix))));
            }

            console.Write(datasets);

            var models = new Table().Title("Models").AddColumns("Model", "Folder");
            foreach (var folder in BuildDefaults.ModelFolders(parse.GetValue(modelsRoot)).Where(f => Matches(Path.GetFileName(f))))
            {
                models.AddRow(Markup.Escape(Path.GetFileName(folder)), Markup.Escape(folder));
            }

            console.Write(models);
            return 0;
        });
        return command;
    }
}
