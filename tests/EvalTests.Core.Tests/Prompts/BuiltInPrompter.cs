using EvalTests.Datasets;
using EvalTests.Prompts;
using EvalTests.TestSupport;

namespace EvalTests.Core.Tests.Prompts;

/// <summary>A built-in config's prompter for one subset over the shared data, with the subset's first question.</summary>
internal static class BuiltInPrompter
{
    public static (TemplatePrompter Prompter, DatasetSample Question, DatasetConfig Config) For(string configName, string subsetName)
    {
        var (card, config) = DatasetCatalog.Default.Resolve(configName);
        var folder = Path.Combine(SharedData.Datasets, card.Name);
        var subset = card.Subsets.Single(s => s.Name == subsetName);
        var shots = card.Splits.FewShot is { } fewShot ? DatasetLoader.Load(card, folder, fewShot, subsetName) : [];
        var questions = DatasetLoader.Load(card, folder, card.Splits.Eval, subsetName);
        return (new TemplatePrompter(config, subset, shots), questions[0], config);
    }
}
