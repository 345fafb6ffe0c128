using System.Text.Json;
using System.Text.Json.Serialization;

namespace EvalTests.Xunit.Planning;

/// <summary>A model the test project evaluates (an <c>&lt;EvalModel&gt;</c> item).</summary>
/// <param name="Name">The item's name: the model column and the test names.</param>
/// <param name="Path">The model folder.</param>
/// <param name="Backend">The backend: <c>onnx</c> (a local folder) or <c>openai</c> (an OpenAI-compatible API).</param>
/// <param name="Tokenizer">A folder to take the tokenizer from, when the model ships none.</param>
public sealed record PlannedModel(string Name, string Path, string Backend, string? Tokenizer)
{
    /// <summary>The API base (openai backend).</summary>
    public string? BaseUrl { get; init; }

    /// <summary>The environment variable holding the API key (openai backend); empty for none.</summary>
    public string? ApiKeyEnv { get; init; }

    /// <summary>The model name to request; empty takes the first of <c>/v1/models</c>.</summary>
    public string? ModelName { get; init; }

    /// <summary>Requests per second.</summary>
    public string? Qps { get; init; }

    /// <summary>Requests in flight at once.</summary>
    public string? MaxConcurrency { get; init; }

    /// <summary>Retries of a failed request.</summary>
    public string? Retries { get; init; }

    /// <summary>The temperature to send; empty sends none.</summary>
    public string? Temperature { get; init; }

    /// <summary>A system message before every chat prompt.</summary>
    public string? SystemPrompt { get; init; }

    /// <summary>The response cache folder; empty uses the per-user cache.</summary>
    public string? CacheDir { get; init; }

    /// <summary>Who serves the model, for its identity.</summary>
    public string? ApiProvider { get; init; }

    /// <summary><c>base</c> or <c>chat</c> (onnx backend, OpenCompass's --hf-type); empty picks chat when the tokenizer has a chat template.</summary>
    public string? HfType { get; init; }
}

/// <summary>A dataset config the test project evaluates (an <c>&lt;EvalDataset&gt;</c> item).</summary>
/// <param name="Name">The config name or alias (e.g. <c>ceval_gen</c>).</param>
/// <param name="Limit">Only the first N questions of each subset, when set.</param>
public sealed record PlannedDataset(string Name, int? Limit);

/// <summary>A minimum accuracy (an <c>&lt;EvalThreshold&gt;</c> item) for a subset or group, optionally per model or mode.</summary>
/// <param name="Target">A subset abbreviation (<c>ceval-computer_network</c>) or group (<c>ceval</c>, <c>ceval-stem</c>).</param>
/// <param name="MinAccuracy">The lowest passing accuracy, in percent.</param>
/// <param name="Model">Only for this model, when set.</param>
/// <param name="Mode">Only for this mode (gen or ppl), when set.</param>
public sealed record PlannedThreshold(string Target, double MinAccuracy, string? Model, string? Mode);

/// <summary>
/// The evaluation plan MSBuild writes next to the test assembly (<c>evaltests.plan.json</c>) from the project's
/// <c>EvalModel</c>, <c>EvalDataset</c> and <c>EvalThreshold</c> items and <c>EvalTests*</c> properties.
/// </summary>
public sealed record EvalPlanFile
{
    /// <summary>The file name next to the test assembly.</summary>
    public const string FileName = "evaltests.plan.json";

    /// <summary>The models.</summary>
    public IReadOnlyList<PlannedModel> Models { get; init; } = [];

    /// <summary>The dataset configs.</summary>
    public IReadOnlyList<PlannedDataset> Datasets { get; init; } = [];

    /// <summary>The thresholds.</summary>
    public IReadOnlyList<PlannedThreshold> Thresholds { get; init; } = [];

    /// <summary>The data root (else the usual resolution: environment variable, then the per-user cache).</summary>
    public string? DataRoot { get; init; }

    /// <summary>The work dir for OpenCompass-style outputs.</summary>
    public string? WorkDir { get; init; }

    /// <summary>A run to continue (a timestamp under the work dir, or <c>latest</c>); <c>EVALTESTS_REUSE</c> wins.</summary>
    public string? Reuse { get; init; }

    /// <summary>Where <c>*.verified.txt</c> score snapshots live (checked in beside the test project).</summary>
    public string? SnapshotDirectory { get; init; }

    /// <summary>Requests per model call, or <c>auto</c> to measure the largest batch that fits.</summary>
    public string BatchSize { get; init; } = string.Empty;

    /// <summary>A token budget per batch (rows × longest request) instead of <see cref="BatchSize"/>; empty for none.</summary>
    public string? BatchTokens { get; init; }

    /// <summary>Most tokens generated per answer; empty for each config's own (else 100).</summary>
    public string? MaxOutLen { get; init; }

    /// <summary>The judge of judged datasets (an <c>&lt;EvalJudge&gt;</c> item), if any.</summary>
    public PlannedModel? Judge { get; init; }

    /// <summary>The model whose answers pairwise-judged datasets compare against.</summary>
    public string? Baseline { get; init; }

    /// <summary>A subset fails when more than this fraction of its questions were unparsed or errored.</summary>
    public double MaxInvalidFraction { get; init; } = 0.2;

    /// <summary>Snapshot tolerance in accuracy points.</summary>
    public double SnapshotTolerancePoints { get; init; }

    /// <summary>Snapshot tolerance in standard errors of the recorded score.</summary>
    public double SnapshotToleranceStandardErrors { get; init; }

    /// <summary>Reads the plan.</summary>
    /// <exception cref="InvalidDataException">The file is not a valid plan.</exception>
    public static EvalPlanFile Read(string path)
    {
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllText(path), PlanJsonContext.Default.EvalPlanFile)
                ?? throw new InvalidDataException($"{path}: the evaluation plan is empty.");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{path}: not a valid evaluation plan (line {ex.LineNumber + 1}): {ex.Message}", ex);
        }
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, AllowTrailingCommas = true, NumberHandling = JsonNumberHandling.AllowReadingFromString)]
[JsonSerializable(typeof(EvalPlanFile))]
internal sealed partial class PlanJsonContext : JsonSerializerContext;
