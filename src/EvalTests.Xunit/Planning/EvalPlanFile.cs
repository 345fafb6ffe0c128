using System.Text.Json;
using EvalTests.Datasets;
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

    /// <summary>The temperature: sent to an API; a local model samples above 0. Empty: none sent, greedy.</summary>
    public string? Temperature { get; init; }

    /// <summary>A local model's nucleus sampling (with a temperature); empty for 1.</summary>
    public string? TopP { get; init; }

    /// <summary>A local model's top-k sampling (with a temperature); empty for all tokens.</summary>
    public string? TopK { get; init; }

    /// <summary>A local model's sampling seed; empty draws one.</summary>
    public string? Seed { get; init; }

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
public sealed record PlannedDataset(string Name, int? Limit)
{
    /// <summary>OpenCompass's <c>test_range</c>: a Python slice of each subset's rows (<c>[0:100]</c>); empty for all.</summary>
    public string? TestRange { get; init; }

    /// <summary>A dataset card file (the item's <c>Card</c> metadata) that defines the named config; empty for the built-in cards.</summary>
    public string? Card { get; init; }
}

/// <summary>A minimum accuracy (an <c>&lt;EvalThreshold&gt;</c> item) for a subset or group, optionally per model or mode.</summary>
/// <param name="Target">A subset abbreviation (<c>ceval-computer_network</c>) or group (<c>ceval</c>, <c>ceval-stem</c>).</param>
/// <param name="MinAccuracy">The lowest passing accuracy, in percent.</param>
/// <param name="Model">Only for this model, when set.</param>
/// <param name="Mode">Only for this mode (gen or ppl), when set.</param>
public sealed record PlannedThreshold(string Target, double MinAccuracy, string? Model, string? Mode)
{
    /// <summary>When set, the score fails only when it is below the minimum with this confidence (one-sided); else any score below fails.</summary>
    public double? Confidence { get; init; }
}

/// <summary>How a config's snapshot gates a new model version (an <c>&lt;EvalSnapshot&gt;</c> item).</summary>
/// <param name="Target">A benchmark (<c>ceval</c>), a config short name (<c>ceval_gen</c>) or full name, or <c>*</c>.</param>
/// <param name="MaxDrop">The largest drop in points that passes even when significant; empty for the project default.</param>
/// <param name="Confidence">The confidence a drop must be significant at to fail; empty for the project default.</param>
public sealed record PlannedSnapshot(string Target, double? MaxDrop, double? Confidence);

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

    /// <summary>Per-config settings of the regression gate.</summary>
    public IReadOnlyList<PlannedSnapshot> Snapshots { get; init; } = [];

    /// <summary>The regression gate's default largest allowed drop, in points (<c>EvalTestsMaxDrop</c>).</summary>
    public double? MaxDrop { get; init; }

    /// <summary>The regression gate's default confidence (<c>EvalTestsConfidence</c>).</summary>
    public double? Confidence { get; init; }

    /// <summary>A folder of the project's own <c>*.card.json</c> (<c>EvalTestsCardsDir</c>); empty for none.</summary>
    public string? CardsDir { get; init; }

    /// <summary>
    /// The built-in cards with the project's own: each <c>&lt;EvalDataset Card="…"&gt;</c> file and the cards folder.
    /// </summary>
    /// <exception cref="InvalidDataException">A card is not valid, or two share a name.</exception>
    [JsonIgnore]
    internal DatasetCatalog Catalog => _catalog ??= DatasetCatalog.WithUserCards(
        Datasets.Select(d => d.Card).OfType<string>().Where(c => c.Length > 0).Distinct(StringComparer.Ordinal),
        string.IsNullOrEmpty(CardsDir) ? [] : [(CardsDir, "the EvalTestsCardsDir property")]);

    private DatasetCatalog? _catalog;

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

    /// <summary>The gate of a snapshot case: its config's or benchmark's item, else the project defaults (0 points, 0.95).</summary>
    internal Comparison.GateSettings GateFor(ObjectModel.EvalCase target)
    {
        // The most specific item wins: config full name, then short name, then benchmark, then '*'.
        var item = new[] { target.Config, target.ConfigShortName, target.Name, "*" }
            .Select(name => Snapshots.FirstOrDefault(s => string.Equals(s.Target, name, StringComparison.OrdinalIgnoreCase)))
            .FirstOrDefault(s => s is not null);
        var defaults = new Comparison.GateSettings();
        return new Comparison.GateSettings(
            item?.MaxDrop ?? MaxDrop ?? defaults.MaxDrop,
            item?.Confidence ?? Confidence ?? defaults.Confidence);
    }

    private void Validate(string path)
    {
        var confidences = Thresholds.Select(t => ($"<EvalThreshold Include=\"{t.Target}\"> Confidence", t.Confidence))
            .Concat(Snapshots.Select(s => ($"<EvalSnapshot Include=\"{s.Target}\"> Confidence", s.Confidence)))
            .Append(("The EvalTestsConfidence property", Confidence));
        foreach (var (setting, confidence) in confidences)
        {
            if (confidence is <= 0 or >= 1)
            {
                throw new InvalidDataException($"{path}: {setting} is {confidence}; expected a confidence between 0 and 1 (e.g. 0.95).");
            }
        }

        foreach (var (setting, maxDrop) in Snapshots.Select(s => ($"<EvalSnapshot Include=\"{s.Target}\"> MaxDrop", s.MaxDrop)).Append(("The EvalTestsMaxDrop property", MaxDrop)))
        {
            if (maxDrop is < 0)
            {
                throw new InvalidDataException($"{path}: {setting} is {maxDrop}; expected points of accuracy, 0 or more (e.g. 1).");
            }
        }
    }

    /// <summary>Reads the plan.</summary>
    /// <exception cref="InvalidDataException">The file is not a valid plan.</exception>
    public static EvalPlanFile Read(string path)
    {
        try
        {
            var plan = JsonSerializer.Deserialize(File.ReadAllText(path), PlanJsonContext.Default.EvalPlanFile)
                ?? throw new InvalidDataException($"{path}: the evaluation plan is empty.");
            plan.Validate(path);
            return plan;
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{path}: not a valid evaluation plan (line {ex.LineNumber + 1}): {ex.Message}", ex);
        }
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, AllowTrailingCommas = true, NumberHandling = JsonNumberHandling.AllowReadingFromString,
    Converters = [typeof(OptionalNumberConverter)])]
[JsonSerializable(typeof(EvalPlanFile))]
internal sealed partial class PlanJsonContext : JsonSerializerContext;

/// <summary>
/// An optional number as MSBuild writes it: every item metadata is a string, and unset metadata is the empty string,
/// which means "not set" (null) rather than an error.
/// </summary>
internal sealed class OptionalNumberConverter : JsonConverter<double?>
{
    public override double? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
    {
        JsonTokenType.Null => null,
        JsonTokenType.Number => reader.GetDouble(),
        JsonTokenType.String when reader.GetString() is { Length: 0 } => null,
        JsonTokenType.String when double.TryParse(reader.GetString(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var value) => value,
        _ => throw new JsonException($"expected a number or nothing, found {(reader.TokenType == JsonTokenType.String ? $"'{reader.GetString()}'" : reader.TokenType.ToString())}"),
    };

    public override void Write(Utf8JsonWriter writer, double? value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (value is { } number)
        {
            writer.WriteNumberValue(number);
        }
        else
        {
            writer.WriteNullValue();
        }
    }
}
