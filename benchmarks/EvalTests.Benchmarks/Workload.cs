using System.Reflection;
using EvalTests.Datasets;
using EvalTests.Models;
using EvalTests.Onnx;
using EvalTests.Prompts;

namespace EvalTests.Benchmarks;

/// <summary>The real work the benchmarks measure: C-Eval computer_network prompts for a model from ../shared.</summary>
public static class Workload
{
    public static string SharedRoot =>
        Environment.GetEnvironmentVariable("EVALTESTS_SHARED_ROOT")
        ?? typeof(Workload).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == "EvalTestsSharedRoot")?.Value
        ?? throw new DirectoryNotFoundException("Benchmarks need ../shared beside the clone, or EVALTESTS_SHARED_ROOT.");

    public static OnnxLanguageModel Load(string model, bool sharePrefixes = true) =>
        OnnxLanguageModel.Load(new OnnxModelOptions
        {
            ModelFolder = Path.Combine(SharedRoot, "models", model),
            TokenizerFolder = model == "llama-6M-random" ? Path.Combine(SharedRoot, "models", "stories260K") : null,
            SharePrefixes = sharePrefixes,
        });

    /// <summary>The 5-shot prompts of a C-Eval subject (gen or ppl), fitted to the model's context as a run fits them.</summary>
    public static (TemplatePrompter Prompter, IReadOnlyList<DatasetSample> Samples) Subject(string config, string subject = "computer_network")
    {
        var (card, datasetConfig) = DatasetCatalog.Default.Resolve(config);
        var folder = Path.Combine(SharedRoot, "datasets", card.Name);
        var subset = card.Subsets.Single(s => s.Name == subject);
        var samples = DatasetLoader.Load(card, folder, card.Splits.Eval, subject);
        var shots = DatasetLoader.Load(card, folder, card.Splits.FewShot!, subject);
        return (new TemplatePrompter(datasetConfig, subset, shots), samples);
    }

    public static List<LogLikelihoodRequest> PplRequests(OnnxLanguageModel model, int questions)
    {
        var (prompter, samples) = Subject("ceval_ppl");
        return samples.Take(questions).SelectMany(s => prompter.BuildPerplexity(s, model, model.Descriptor.MaxSequenceLength)).Select(p => new LogLikelihoodRequest(p.Prompt)).ToList();
    }

    public static List<GenerationRequest> GenRequests(OnnxLanguageModel model, int questions, int maxOut)
    {
        var (prompter, samples) = Subject("ceval_gen");
        return samples.Take(questions).Select(s => new GenerationRequest(prompter.BuildGeneration(s, model, model.Descriptor.MaxSequenceLength - maxOut).Prompt, new GenerationSettings(maxOut, []))).ToList();
    }
}
