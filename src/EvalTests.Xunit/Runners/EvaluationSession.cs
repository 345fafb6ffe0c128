using EvalTests.Datasets;
using EvalTests.Models;
using EvalTests.Onnx;
using EvalTests.OpenAI;
using EvalTests.Python;
using EvalTests.Runs;
using EvalTests.Xunit.ObjectModel;
using EvalTests.Xunit.Planning;

namespace EvalTests.Xunit.Runners;

/// <summary>One model's evaluation in this test run: its identity and the run result, or why it failed.</summary>
/// <param name="Descriptor">The model's identity.</param>
/// <param name="Plan">What was run (tasks and summary groups).</param>
/// <param name="Result">The run, when it completed.</param>
/// <param name="Failure">Why it did not.</param>
internal sealed record ModelEvaluation(ModelDescriptor? Descriptor, RunPlan? Plan, RunResult? Result, Exception? Failure);

/// <summary>
/// Holds the evaluation of the selected cases for the whole test run. The executor calls <see cref="PrepareAsync"/>
/// once with every selected case; each case then only reads its result.
/// </summary>
internal static class EvaluationSession
{
    /// <summary>Continues a run (a timestamp, or <c>latest</c>) instead of starting one; wins over the EvalTestsReuse property.</summary>
    public const string ReuseVariable = "EVALTESTS_REUSE";

    private static readonly Dictionary<string, ModelEvaluation> Evaluations = new(StringComparer.Ordinal);
    private static EvalPlanFile? s_plan;

    public static string PlanPath => Path.Combine(AppContext.BaseDirectory, EvalPlanFile.FileName);

    public static EvalPlanFile Plan => s_plan ??= EvalPlanFile.Read(PlanPath);

    /// <summary>How many models were loaded in this process by the session.</summary>
    public static int ModelLoads { get; private set; }

    public static ModelEvaluation? For(string model) => Evaluations.GetValueOrDefault(model);

    /// <summary>Every model's evaluation in this test run, in plan order.</summary>
    public static IReadOnlyList<ModelEvaluation> All => [.. Evaluations.Values];

    public static async Task PrepareAsync(IReadOnlyList<EvalCase> cases, CancellationToken cancellationToken)
    {
        var plan = Plan;
        foreach (var byModel in cases.Where(c => c.Kind != EvalCaseKind.PlanError).GroupBy(c => c.Model))
        {
            var model = plan.Models.Single(m => m.Name == byModel.Key);
            Evaluations[model.Name] = await EvaluateAsync(plan, model, byModel.ToList(), cancellationToken);
        }
    }

    private static async Task<ModelEvaluation> EvaluateAsync(EvalPlanFile plan, PlannedModel model, List<EvalCase> cases, CancellationToken cancellationToken)
    {
        ModelDescriptor? descriptor = null;
        RunPlan? runPlan = null;
        try
        {
            var configs = PlanCases.KnownDatasets(plan);
            var everything = RunPlan.Create(plan.Catalog, configs);
            var needed = Needed(everything, cases);
            runPlan = RunPlan.Create(plan.Catalog, configs, needed);
            var roots = DataRootResolver.Standard(string.IsNullOrEmpty(plan.DataRoot) ? null : plan.DataRoot);
            var folders = runPlan.Tasks.Select(t => t.Card).Distinct().ToDictionary(c => c.Name, roots.ResolveBenchmarkFolder);

            await using var languageModel = await OpenAsync(model, needsLogLikelihood: runPlan.Tasks.Any(t => t.Config.Mode == EvalMode.Ppl), cancellationToken);
            ModelLoads++;
            descriptor = languageModel.Descriptor;
            var workDir = plan.WorkDir ?? Path.Combine("outputs", "default");
            var reuse = NullIfEmpty(Environment.GetEnvironmentVariable(ReuseVariable)) ?? NullIfEmpty(plan.Reuse);
            var batch = BatchSizeSetting.Parse(plan.BatchSize, "The EvalTestsBatchSize property");
            var settings = new RunSettings
            {
                WorkDir = workDir,
                Timestamp = reuse is null ? null : RunOutputLayout.ResolveReuse(workDir, reuse),
                AutoBatchSize = batch.Auto,
                BatchSize = batch.Size,
                BatchTokens = (int?)Number("The EvalTestsBatchTokens property", plan.BatchTokens),
                MaxOutLen = (int?)Number("The EvalTestsMaxOutLen property", plan.MaxOutLen),
                Baseline = NullIfEmpty(plan.Baseline),
                Sampling = model.Backend == "openai" ? null : Sampling(model),
                LimitPerConfig = plan.Datasets.Where(d => d.Limit is > 0)
                    .ToDictionary(d => plan.Catalog.Resolve(d.Name).Config.Name, d => d.Limit!.Value),
                TestRangePerConfig = plan.Datasets.Where(d => !string.IsNullOrEmpty(d.TestRange))
                    .ToDictionary(d => plan.Catalog.Resolve(d.Name).Config.Name, d => TestRange(d)),
            };
            // The judge is opened only when a selected case is judged by a model.
            await using var judge = runPlan.Tasks.Any(t => t.Config.Judge is not null) && plan.Judge is { } judgeItem
                ? await OpenAsync(judgeItem, needsLogLikelihood: false, cancellationToken)
                : null;
            var result = await new EvaluationRunner(languageModel, settings, judge: judge).RunAsync(runPlan, card => folders[card.Name], cancellationToken);
            return new ModelEvaluation(descriptor, runPlan, result, null);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return new ModelEvaluation(descriptor, runPlan, null, ex);
        }
    }

    /// <summary>Loads the item's ONNX folder, or connects to its API with the item's settings (an EvalModel or the EvalJudge).</summary>
    private static async Task<ILanguageModel> OpenAsync(PlannedModel model, bool needsLogLikelihood, CancellationToken cancellationToken)
    {
        if (model.Backend != "openai")
        {
            return OnnxLanguageModel.Load(new OnnxModelOptions
            {
                ModelFolder = model.Path,
                TokenizerFolder = NullIfEmpty(model.Tokenizer),
                Abbr = model.Name,
                HfType = NullIfEmpty(model.HfType) switch
                {
                    null => null,
                    var text when Enum.TryParse<HfType>(text, ignoreCase: true, out var type) => type,
                    var text => throw new ArgumentException($"<EvalModel Include=\"{model.Name}\"> HfType '{text}' is neither base nor chat."),
                },
            });
        }

        var defaults = new OpenAIModelOptions { BaseUrl = new Uri("http://127.0.0.1/") };
        return await OpenAILanguageModel.ConnectAsync(new OpenAIModelOptions
        {
            BaseUrl = Uri.TryCreate(model.BaseUrl, UriKind.Absolute, out var baseUrl) ? baseUrl
                : throw new ArgumentException($"<EvalModel Include=\"{model.Name}\"> BaseUrl '{model.BaseUrl}' is not an absolute URL (e.g. http://127.0.0.1:8000/v1)."),
            ApiKeyVariable = NullIfEmpty(model.ApiKeyEnv),
            Model = NullIfEmpty(model.ModelName),
            Abbr = model.Name,
            Provider = NullIfEmpty(model.ApiProvider) ?? defaults.Provider,
            QueriesPerSecond = Number($"<EvalModel Include=\"{model.Name}\"> Qps", model.Qps) ?? defaults.QueriesPerSecond,
            MaxConcurrency = (int?)Number($"<EvalModel Include=\"{model.Name}\"> MaxConcurrency", model.MaxConcurrency) ?? defaults.MaxConcurrency,
            MaxRetries = (int?)Number($"<EvalModel Include=\"{model.Name}\"> Retries", model.Retries) ?? defaults.MaxRetries,
            Temperature = Number($"<EvalModel Include=\"{model.Name}\"> Temperature", model.Temperature),
            SystemPrompt = NullIfEmpty(model.SystemPrompt),
            CacheFolder = NullIfEmpty(model.CacheDir) ?? UserCache.ResponsesFolder,
            PromptLogProbs = needsLogLikelihood ? null : false,
        }, cancellationToken);
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    /// <summary>A local model's sampling from its item (Temperature above 0, TopP, TopK, Seed); null decodes greedily.</summary>
    private static SamplingSettings? Sampling(PlannedModel model)
    {
        var item = $"<EvalModel Include=\"{model.Name}\">";
        if (Number($"{item} Temperature", model.Temperature) is not { } temperature || temperature <= 0)
        {
            return null;
        }

        var sampling = new SamplingSettings(temperature, Number($"{item} TopP", model.TopP) ?? 1, (int?)Number($"{item} TopK", model.TopK) ?? 0, (long?)Number($"{item} Seed", model.Seed));
        return sampling.Problems().FirstOrDefault() is { } problem ? throw new ArgumentException($"{item}: {problem}") : sampling;
    }

    private static PythonSlice TestRange(PlannedDataset dataset)
    {
        try
        {
            return PythonSlice.Parse(dataset.TestRange!);
        }
        catch (FormatException ex)
        {
            throw new ArgumentException($"<EvalDataset Include=\"{dataset.Name}\"> TestRange: {ex.Message}", ex);
        }
    }

    /// <summary>A number from the plan, where MSBuild writes every value as a string; empty means unset.</summary>
    private static double? Number(string setting, string? value) =>
        string.IsNullOrEmpty(value) ? null
        : double.TryParse(value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var number) ? number
        : throw new ArgumentException($"{setting}='{value}' is not a number.");

    /// <summary>The task abbreviations the cases need: a subset itself, every member of a group, every task of a snapshot's config.</summary>
    private static List<string> Needed(RunPlan everything, List<EvalCase> cases)
    {
        var needed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var evalCase in cases)
        {
            switch (evalCase.Kind)
            {
                case EvalCaseKind.Subset:
                    needed.Add(evalCase.Abbr);
                    break;
                case EvalCaseKind.Group:
                    needed.UnionWith(everything.Groups.Single(g => g.Name == evalCase.Abbr).Members);
                    break;
                case EvalCaseKind.Snapshot:
                    needed.UnionWith(everything.Tasks.Where(t => t.Config.Name == evalCase.Config).Select(t => t.Abbr));
                    break;
            }
        }

        return [.. needed];
    }
}
