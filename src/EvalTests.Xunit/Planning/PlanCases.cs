using EvalTests.Datasets;
using EvalTests.Runs;
using EvalTests.Xunit.ObjectModel;

namespace EvalTests.Xunit.Planning;

/// <summary>Turns the evaluation plan into test cases: subsets, groups and one snapshot per (model, config); plan mistakes become failing cases.</summary>
internal static class PlanCases
{
    public static IEnumerable<(EvalCase Case, Dictionary<string, HashSet<string>> Traits)> Discover(string planPath)
    {
        EvalPlanFile plan;
        try
        {
            plan = EvalPlanFile.Read(planPath);
        }
        catch (InvalidDataException ex)
        {
            return [PlanError("evaltests", ex.Message)];
        }

        return Discover(plan);
    }

    public static IEnumerable<(EvalCase Case, Dictionary<string, HashSet<string>> Traits)> Discover(EvalPlanFile plan)
    {
        var cases = new List<(EvalCase, Dictionary<string, HashSet<string>>)>();
        DatasetCatalog catalog;
        try
        {
            catalog = plan.Catalog;
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException)
        {
            // A card that cannot be read fails as one case naming the file, the JSON path and what was expected.
            cases.Add(PlanError("EvalDataset.Card", ex.Message));
            return cases;
        }

        var valid = KnownDatasets(plan);
        foreach (var dataset in plan.Datasets.Where(d => !valid.Contains(d.Name)))
        {
            try
            {
                catalog.Resolve(dataset.Name);
            }
            catch (ArgumentException ex)
            {
                cases.Add(PlanError($"EvalDataset.{dataset.Name}", $"<EvalDataset Include=\"{dataset.Name}\">: {ex.Message}"));
            }
        }

        if (valid.Count == 0)
        {
            return cases;
        }

        var runPlan = RunPlan.Create(catalog, valid);
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var model in plan.Models)
        {
            foreach (var task in runPlan.Tasks)
            {
                var evalCase = new EvalCase(EvalCaseKind.Subset, model.Name, task.Config.Name, task.Abbr, EvaluationTask.AbbrOf(task.Card, task.Config.Abbr, task.Subset), ShortName(task.Config));
                names.Add(evalCase.Name);
                cases.Add((evalCase, Traits(evalCase, task.Card, task.Config, task.Subset.Categories, task.Subset.Name)));
            }

            foreach (var (card, config) in valid.Select(catalog.Resolve).DistinctBy(p => p.Config.Name))
            {
                var prefix = runPlan.Tasks.First(t => t.Config.Name == config.Name).Prefix;
                foreach (var group in card.Groups)
                {
                    var evalCase = new EvalCase(EvalCaseKind.Group, model.Name, config.Name, prefix + group.Suffix, config.Abbr + group.Suffix, ShortName(config));
                    names.Add(evalCase.Name);
                    cases.Add((evalCase, Traits(evalCase, card, config, group.Category == "*" ? [] : [group.Category], null)));
                }

                var snapshot = new EvalCase(EvalCaseKind.Snapshot, model.Name, config.Name, prefix, config.Abbr, ShortName(config));
                cases.Add((snapshot, Traits(snapshot, card, config, [], null)));
            }
        }

        foreach (var threshold in plan.Thresholds.Where(t => !names.Contains(t.Target)))
        {
            cases.Add(PlanError($"EvalThreshold.{threshold.Target}",
                $"<EvalThreshold Include=\"{threshold.Target}\">: no subset or group of that name in the planned datasets ({string.Join(", ", valid)}). Names look like ceval, ceval-stem or ceval-computer_network."));
        }

        // An API model (Backend="openai") has no folder to check.
        foreach (var model in plan.Models.Where(m => m.Backend != "openai" && !Directory.Exists(m.Path)))
        {
            cases.Add(PlanError($"EvalModel.{model.Name}", $"<EvalModel Include=\"{model.Name}\">: Path '{model.Path}' does not exist."));
        }

        return cases;
    }

    /// <summary>The plan's dataset names that a card defines; the others become failing cases at discovery.</summary>
    public static List<string> KnownDatasets(EvalPlanFile plan) =>
        plan.Datasets.Select(d => d.Name).Where(name => plan.Catalog.Configs.Any(p => p.Config.IsNamed(name))).ToList();

    public static string ShortName(DatasetConfig config) => config.Aliases.Count > 0 ? config.Aliases[0] : config.Name;

    private static (EvalCase, Dictionary<string, HashSet<string>>) PlanError(string name, string message)
    {
        var evalCase = new EvalCase(EvalCaseKind.PlanError, "evaltests", "-", message, name, "plan");
        return (evalCase, new Dictionary<string, HashSet<string>>(StringComparer.OrdinalIgnoreCase) { ["Kind"] = ["plan"] });
    }

    private static Dictionary<string, HashSet<string>> Traits(EvalCase evalCase, DatasetCard card, DatasetConfig config, IEnumerable<string> categories, string? subset)
    {
        var traits = new Dictionary<string, HashSet<string>>(StringComparer.OrdinalIgnoreCase)
        {
            ["Benchmark"] = [card.Name],
            ["Model"] = [evalCase.Model],
            ["Mode"] = [config.Mode.OpenCompassName()],
            ["Dataset"] = [ShortName(config)],
            ["Kind"] = [evalCase.Kind.ToString().ToLowerInvariant()],
        };
        var categorySet = categories.Select(c => c.ToLowerInvariant().Replace(' ', '-')).ToHashSet(StringComparer.OrdinalIgnoreCase);
        if (categorySet.Count > 0)
        {
            traits["Category"] = categorySet;
        }

        if (subset is not null)
        {
            traits["Subset"] = [subset];
        }

        return traits;
    }
}
