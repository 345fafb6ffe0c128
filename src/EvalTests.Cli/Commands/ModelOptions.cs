using System.CommandLine;
using EvalTests.Datasets;
using EvalTests.Models;
using EvalTests.Onnx;
using EvalTests.Onnx.Loading;
using EvalTests.OpenAI;

namespace EvalTests.Cli.Commands;

/// <summary>One model of <c>--models</c>: a local folder or name, or an API model written <c>model@base-url</c>.</summary>
/// <param name="Text">As written.</param>
/// <param name="Name">The folder or name, or the API's model name.</param>
/// <param name="BaseUrl">The API base, for an API model.</param>
internal sealed record ModelEntry(string Text, string Name, string? BaseUrl)
{
    public bool IsApi => BaseUrl is not null;

    public static ModelEntry Parse(string text)
    {
        var at = text.IndexOf("@http", StringComparison.OrdinalIgnoreCase);
        return at > 0 ? new ModelEntry(text, text[..at], text[(at + 1)..]) : new ModelEntry(text, text, null);
    }
}

/// <summary>
/// The options that pick and configure a model: a local ONNX folder, or (with <c>--base-url</c>) an OpenAI-compatible
/// API with OpenCompass's OpenAISDK knobs. Shared by <c>run</c> and <c>serve</c>.
/// </summary>
internal sealed class ModelOptions
{
    public const string DefaultKeyVariable = "OPENAI_API_KEY";

    private readonly string _prefix;
    private readonly Option<string?> _model;
    private readonly Option<string?> _modelsRoot;
    private readonly Option<ExecutionProviderPreference> _provider;
    private readonly Option<string?> _tokenizer;
    private readonly Option<int?> _threads;
    private readonly Option<string?> _abbr;
    private readonly Option<HfType?> _hfType;

    private readonly Option<string?> _baseUrl;
    private readonly Option<string?> _apiKeyEnv;
    private readonly Option<string> _apiProvider;
    private readonly Option<double> _qps;
    private readonly Option<int> _maxConcurrency;
    private readonly Option<int> _retries;
    private readonly Option<double> _retrySeconds;
    private readonly Option<double> _timeoutSeconds;
    private readonly Option<double?> _temperature;
    private readonly Option<double?> _topP;
    private readonly Option<int?> _topK;
    private readonly Option<long?> _seed;
    private readonly Option<string?> _systemPrompt;
    private readonly Option<string?> _cacheDir;
    private readonly Option<bool> _noCache;
    private readonly Option<string[]> _several;

    /// <summary>The options of the evaluated model (<c>--model</c>, <c>--base-url</c>, …), or with a prefix those of another model (<c>--judge-model</c>, …).</summary>
    /// <param name="prefix">Empty for the evaluated model; <c>judge</c> names every option <c>--judge-…</c>.</param>
    public ModelOptions(string prefix = "")
    {
        _prefix = prefix;
        var who = prefix.Length == 0 ? "the model" : $"the {prefix} model";
        _model = new(Name("model"), prefix.Length == 0 ? ["-m"] : []) { Description = $"Folder or name under the models root of {who} (e.g. stories260K); with {Name("base-url")}, the model name to request (default: the first of /v1/models)." };
        _modelsRoot = new(Name("models-root")) { Description = $"Folder holding model folders (else ${BuildDefaults.ModelsEnvironmentVariable}, the build default, then the per-user cache)." };
        _provider = new(Name("provider")) { Description = "ONNX Runtime execution provider: auto, cpu or cuda.", DefaultValueFactory = _ => ExecutionProviderPreference.Auto };
        _tokenizer = new(Name("tokenizer")) { Description = "Take the tokenizer from this folder (for model folders that ship none)." };
        _threads = new(Name("threads")) { Description = "Threads ONNX Runtime may use inside an operator (default: every core; --max-num-workers divides the cores between its workers)." };
        _hfType = new(Name("hf-type")) { Description = "Evaluate the checkpoint as a base model (plain-text prompts, the tokenizer's special tokens) or a chat model (its chat template), as OpenCompass's --hf-type; default chat when the tokenizer has a chat template, else base." };
        _abbr = new(Name("abbr")) { Description = $"The name of {who} in reports (default: the folder or model name)." };
        _baseUrl = new(Name("base-url")) { Description = $"Use an OpenAI-compatible API at this base (e.g. http://127.0.0.1:8000/v1) as {who} instead of a local folder." };
        _apiKeyEnv = new(Name("api-key-env")) { Description = $"The environment variable holding the API key (default {DefaultKeyVariable} when set; 'none' sends no key). The key itself is never an option." };
        _apiProvider = new(Name("api-provider")) { Description = "Who serves the model, for its identity (provider:model) in caches and snapshots.", DefaultValueFactory = _ => "openai" };
        _qps = new(Name("qps")) { Description = "Most requests started per second across all concurrent requests (fractions allowed).", DefaultValueFactory = _ => 1 };
        _maxConcurrency = new(Name("max-concurrency")) { Description = "Most API requests in flight at once.", DefaultValueFactory = _ => 8 };
        _retries = new(Name("retries")) { Description = "Retries of a failed API request (429, 5xx, timeouts, broken connections, malformed replies).", DefaultValueFactory = _ => 5 };
        _retrySeconds = new(Name("max-retry-seconds")) { Description = "Longest an API request is retried in all before it is recorded as failed.", DefaultValueFactory = _ => 300 };
        _timeoutSeconds = new(Name("request-timeout")) { Description = "Seconds one API attempt may take before it counts as stalled.", DefaultValueFactory = _ => 120 };
        _temperature = new(Name("temperature")) { Description = "Sampling temperature (OpenCompass's generation_kwargs): a local model samples above 0 (default: greedy); an API gets it sent (default: none sent)." };
        _topP = new(Name("top-p")) { Description = "A local model's nucleus sampling, with --temperature above 0 (default 1)." };
        _topK = new(Name("top-k")) { Description = "A local model samples from the K likeliest tokens, with --temperature above 0 (default: all)." };
        _seed = new(Name("seed")) { Description = "The seed of a local model's sampling: the same seed draws the same answers." };
        _systemPrompt = new(Name("system-prompt")) { Description = "A system message sent before every chat prompt." };
        _cacheDir = new(Name("cache-dir")) { Description = $"Folder of the API response cache (default: the per-user cache, {UserCache.ResponsesFolder})." };
        _noCache = new(Name("no-cache")) { Description = "Send every API request, and cache nothing." };
        _several = new(Name("models")) { Description = "Several models on the same plan into one run folder, one summary column each (OpenCompass's --models): local folders or names, evaluated one after another, and API models as model@base-url (e.g. qwen@http://127.0.0.1:8000/v1), evaluated at the same time, each within the API options.", AllowMultipleArgumentsPerToken = true };
    }

    /// <summary>The models of a run of several (<c>--models a b</c>); empty for a run of one.</summary>
    public IReadOnlyList<ModelEntry> Several(ParseResult parse) => [.. (parse.GetValue(_several) ?? []).Select(ModelEntry.Parse)];

    /// <summary>The options a run of several models takes per model, which <c>--models</c> therefore excludes.</summary>
    public void CheckSeveral(ParseResult parse)
    {
        foreach (var option in new Option[] { _model, _abbr, _baseUrl })
        {
            if (parse.GetResult(option) is not null)
            {
                throw new ArgumentException($"{Name("models")} names every model itself; it does not combine with {option.Name} (write an API model as model@base-url in {Name("models")}).");
            }
        }
    }

    /// <summary>The model's name in reports (also picks the model whose predictions eval mode scores).</summary>
    public Option<string?> Abbr => _abbr;

    public IEnumerable<Option> Local => [_model, _modelsRoot, _provider, _tokenizer, _hfType, _abbr, _threads, _topP, _topK, _seed];

    /// <summary>A local model's sampling (<c>--temperature</c> above 0, <c>--top-p</c>, <c>--top-k</c>, <c>--seed</c>); null decodes greedily.</summary>
    /// <exception cref="ArgumentException">A value is out of range, or top-p/top-k/seed are given without a temperature.</exception>
    public SamplingSettings? Sampling(ParseResult parse)
    {
        if (parse.GetValue(_temperature) is not > 0)
        {
            return parse.GetValue(_topP) is null && parse.GetValue(_topK) is null && parse.GetValue(_seed) is null
                ? null
                : throw new ArgumentException($"{Name("top-p")}, {Name("top-k")} and {Name("seed")} shape sampling, which needs {Name("temperature")} above 0 (greedy decoding has nothing to draw).");
        }

        var sampling = new SamplingSettings(parse.GetValue(_temperature)!.Value, parse.GetValue(_topP) ?? 1, parse.GetValue(_topK) ?? 0, parse.GetValue(_seed));
        return sampling.Problems().FirstOrDefault() is { } problem ? throw new ArgumentException($"--{problem}") : sampling;
    }

    /// <summary>The options of a run's evaluated models: one model's, and <c>--models</c>.</summary>
    public IEnumerable<Option> Evaluated => [.. All, _several];

    public IEnumerable<Option> All => [.. Local, _baseUrl, _apiKeyEnv, _apiProvider, _qps, _maxConcurrency, _retries, _retrySeconds, _timeoutSeconds, _temperature, _systemPrompt, _cacheDir, _noCache];

    /// <summary>Whether any option names this model (a judge is optional).</summary>
    public bool IsGiven(ParseResult parse) => parse.GetValue(_model) is not null || parse.GetValue(_baseUrl) is not null;

    private string Name(string option) => _prefix.Length == 0 ? $"--{option}" : $"--{_prefix}-{option}";

    /// <summary>
    /// The judge OpenCompass builds when a config names none: an OpenAI-compatible API from <c>OC_JUDGE_MODEL</c>,
    /// <c>OC_JUDGE_API_KEY</c> and <c>OC_JUDGE_API_BASE</c> (default the OpenAI API), temperature 0.001, 16 requests a second.
    /// </summary>
    public static async Task<ILanguageModel?> JudgeFromEnvironmentAsync(TextWriter output, CancellationToken cancellationToken)
    {
        if (Environment.GetEnvironmentVariable("OC_JUDGE_MODEL") is not { Length: > 0 } model)
        {
            return null;
        }

        var baseText = Environment.GetEnvironmentVariable("OC_JUDGE_API_BASE") is { Length: > 0 } configured ? configured : "https://api.openai.com/v1/";
        var judge = await OpenAILanguageModel.ConnectAsync(new OpenAIModelOptions
        {
            BaseUrl = ParseBaseUrl(baseText, "OC_JUDGE_API_BASE"),
            ApiKeyVariable = string.IsNullOrEmpty(Environment.GetEnvironmentVariable("OC_JUDGE_API_KEY")) ? null : "OC_JUDGE_API_KEY",
            Model = model,
            Temperature = 0.001,
            QueriesPerSecond = 16,
            CacheFolder = UserCache.ResponsesFolder,
            PromptLogProbs = false,
        }, cancellationToken);
        output.WriteLine($"Judge {judge.Descriptor.Abbr} ({judge.Descriptor.Identity}) at {baseText} from OC_JUDGE_MODEL/OC_JUDGE_API_BASE; key: {(Environment.GetEnvironmentVariable("OC_JUDGE_API_KEY") is { Length: > 0 } ? "$OC_JUDGE_API_KEY" : "none")}");
        return judge;
    }

    private static Uri ParseBaseUrl(string text, string source) =>
        Uri.TryCreate(text, UriKind.Absolute, out var url) && url.Scheme is "http" or "https"
            ? url
            : throw new ArgumentException($"{source} '{text}' is not an http(s) URL (e.g. http://127.0.0.1:8000/v1).");

    /// <summary>Loads the local model, or connects to the API (asking it about prompt log-probabilities only when ppl mode needs them).</summary>
    /// <param name="parse">The command line.</param>
    /// <param name="maxSeqLen">The prompt limit.</param>
    /// <param name="needsLogLikelihood">Whether ppl mode needs prompt log-probabilities.</param>
    /// <param name="output">Where the model is described.</param>
    /// <param name="cancellationToken">Stops connecting.</param>
    /// <param name="entry">One model of <c>--models</c>, instead of <c>--model</c>/<c>--base-url</c>.</param>
    public async Task<ILanguageModel> CreateAsync(ParseResult parse, int? maxSeqLen, bool needsLogLikelihood, TextWriter output, CancellationToken cancellationToken, ModelEntry? entry = null)
    {
        var role = _prefix.Length == 0 ? "Model" : "Judge";
        var baseUrlText = entry is null ? parse.GetValue(_baseUrl) : entry.BaseUrl;
        if (baseUrlText is not null)
        {
            var baseUrl = ParseBaseUrl(baseUrlText, entry is null ? Name("base-url") : $"{Name("models")} {entry.Text}");
            var keyVariable = parse.GetValue(_apiKeyEnv) switch
            {
                null => string.IsNullOrEmpty(Environment.GetEnvironmentVariable(DefaultKeyVariable)) ? null : DefaultKeyVariable,
                "none" or "" => null,
                var named => named,
            };
            var remote = await OpenAILanguageModel.ConnectAsync(new OpenAIModelOptions
            {
                BaseUrl = baseUrl,
                ApiKeyVariable = keyVariable,
                Model = entry?.Name ?? parse.GetValue(_model),
                Abbr = entry is null ? parse.GetValue(_abbr) : null,
                Provider = parse.GetValue(_apiProvider)!,
                QueriesPerSecond = parse.GetValue(_qps),
                MaxConcurrency = parse.GetValue(_maxConcurrency),
                MaxRetries = parse.GetValue(_retries),
                MaxRetryDuration = TimeSpan.FromSeconds(parse.GetValue(_retrySeconds)),
                RequestTimeout = TimeSpan.FromSeconds(parse.GetValue(_timeoutSeconds)),
                Temperature = parse.GetValue(_temperature),
                SystemPrompt = parse.GetValue(_systemPrompt),
                MaxSeqLen = maxSeqLen,
                CacheFolder = parse.GetValue(_noCache) ? null : parse.GetValue(_cacheDir) ?? UserCache.ResponsesFolder,
                PromptLogProbs = needsLogLikelihood ? null : false,
            }, cancellationToken);
            output.WriteLine($"{role} {remote.Descriptor.Abbr} ({remote.Descriptor.Identity}) at {baseUrl}; key: {(keyVariable is null ? "none" : "$" + keyVariable)}; response cache: {remote.CachePath ?? "off"}");
            return remote;
        }

        var name = entry?.Name ?? parse.GetValue(_model) ?? throw new ArgumentException($"{Name("model")} is required: a model folder or a name under the models root (or {Name("base-url")} for an API).");
        var folder = BuildDefaults.ResolveModel(name, parse.GetValue(_modelsRoot));
        var local = OnnxLanguageModel.Load(new OnnxModelOptions
        {
            ModelFolder = folder,
            TokenizerFolder = parse.GetValue(_tokenizer),
            Abbr = parse.GetValue(_abbr),
            Provider = parse.GetValue(_provider),
            IntraOpThreads = parse.GetValue(_threads),
            HfType = parse.GetValue(_hfType),
        });
        output.WriteLine($"{role} {local.Descriptor.Abbr} ({local.Descriptor.Identity}, context {local.Descriptor.MaxSequenceLength}) from {folder}");
        output.WriteLine(local.HfType == HfType.Chat
            ? "Evaluated as a chat model (hf-type chat): generation prompts through its chat template; ppl scores the plain-text prompt."
            : "Evaluated as a base model (hf-type base): plain-text prompts with the tokenizer's own special tokens.");
        output.WriteLine(local.ProviderDescription);
        return local;
    }
}
