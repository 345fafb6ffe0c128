using System.CommandLine;
using EvalTests.Datasets;
using EvalTests.Models;
using EvalTests.Onnx;
using EvalTests.Onnx.Loading;
using EvalTests.OpenAI;

namespace EvalTests.Cli.Commands;

/// <summary>
/// The options that pick and configure a model: a local ONNX folder, or (with <c>--base-url</c>) an OpenAI-compatible
/// API with OpenCompass's OpenAISDK knobs. Shared by <c>run</c> and <c>serve</c>.
/// </summary>
internal sealed class ModelOptions
{
    public const string DefaultKeyVariable = "OPENAI_API_KEY";

    private readonly Option<string?> _model = new("--model", "-m") { Description = "Model folder or name under the models root (e.g. stories260K); with --base-url, the model name to request (default: the first of /v1/models)." };
    private readonly Option<string?> _modelsRoot = new("--models-root") { Description = $"Folder holding model folders (else ${BuildDefaults.ModelsEnvironmentVariable}, the build default, then the per-user cache)." };
    private readonly Option<ExecutionProviderPreference> _provider = new("--provider") { Description = "ONNX Runtime execution provider: auto, cpu or cuda.", DefaultValueFactory = _ => ExecutionProviderPreference.Auto };
    private readonly Option<string?> _tokenizer = new("--tokenizer") { Description = "Take the tokenizer from this folder (for model folders that ship none)." };
    private readonly Option<int?> _threads = new("--threads") { Description = "Threads ONNX Runtime may use inside an operator (default: every core; --max-num-workers divides the cores between its workers)." };
    private readonly Option<string?> _abbr = new("--abbr") { Description = "The model's name in reports (default: the folder or model name)." };

    private readonly Option<string?> _baseUrl = new("--base-url") { Description = "Evaluate an OpenAI-compatible API at this base (e.g. http://127.0.0.1:8000/v1) instead of a local folder." };
    private readonly Option<string?> _apiKeyEnv = new("--api-key-env") { Description = $"The environment variable holding the API key (default {DefaultKeyVariable} when set; 'none' sends no key). The key itself is never an option." };
    private readonly Option<string> _apiProvider = new("--api-provider") { Description = "Who serves the model, for its identity (provider:model) in caches and snapshots.", DefaultValueFactory = _ => "openai" };
    private readonly Option<double> _qps = new("--qps") { Description = "Most requests started per second across all concurrent requests (fractions allowed).", DefaultValueFactory = _ => 1 };
    private readonly Option<int> _maxConcurrency = new("--max-concurrency") { Description = "Most API requests in flight at once.", DefaultValueFactory = _ => 8 };
    private readonly Option<int> _retries = new("--retries") { Description = "Retries of a failed API request (429, 5xx, timeouts, broken connections, malformed replies).", DefaultValueFactory = _ => 5 };
    private readonly Option<double> _retrySeconds = new("--max-retry-seconds") { Description = "Longest an API request is retried in all before it is recorded as failed.", DefaultValueFactory = _ => 300 };
    private readonly Option<double> _timeoutSeconds = new("--request-timeout") { Description = "Seconds one API attempt may take before it counts as stalled.", DefaultValueFactory = _ => 120 };
    private readonly Option<double?> _temperature = new("--temperature") { Description = "Sampling temperature sent to the API (default: none sent)." };
    private readonly Option<string?> _systemPrompt = new("--system-prompt") { Description = "A system message sent before every chat prompt." };
    private readonly Option<string?> _cacheDir = new("--cache-dir") { Description = $"Folder of the API response cache (default: the per-user cache, {UserCache.ResponsesFolder})." };
    private readonly Option<bool> _noCache = new("--no-cache") { Description = "Send every API request, and cache nothing." };

    /// <summary>The model's name in reports (also picks the model whose predictions eval mode scores).</summary>
    public Option<string?> Abbr => _abbr;

    public IEnumerable<Option> Local => [_model, _modelsRoot, _provider, _tokenizer, _abbr, _threads];

    public IEnumerable<Option> All => [.. Local, _baseUrl, _apiKeyEnv, _apiProvider, _qps, _maxConcurrency, _retries, _retrySeconds, _timeoutSeconds, _temperature, _systemPrompt, _cacheDir, _noCache];

    /// <summary>Loads the local model, or connects to the API (asking it about prompt log-probabilities only when ppl mode needs them).</summary>
    public async Task<ILanguageModel> CreateAsync(ParseResult parse, int? maxSeqLen, bool needsLogLikelihood, TextWriter output, CancellationToken cancellationToken)
    {
        if (parse.GetValue(_baseUrl) is { } baseUrlText)
        {
            if (!Uri.TryCreate(baseUrlText, UriKind.Absolute, out var baseUrl) || baseUrl.Scheme is not ("http" or "https"))
            {
                throw new ArgumentException($"--base-url '{baseUrlText}' is not an http(s) URL (e.g. http://127.0.0.1:8000/v1).");
            }

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
                Model = parse.GetValue(_model),
                Abbr = parse.GetValue(_abbr),
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
            output.WriteLine($"Model {remote.Descriptor.Abbr} ({remote.Descriptor.Identity}) at {baseUrl}; key: {(keyVariable is null ? "none" : "$" + keyVariable)}; response cache: {remote.CachePath ?? "off"}");
            return remote;
        }

        var name = parse.GetValue(_model) ?? throw new ArgumentException("--model is required: a model folder or a name under the models root (or --base-url for an API).");
        var folder = BuildDefaults.ResolveModel(name, parse.GetValue(_modelsRoot));
        var local = OnnxLanguageModel.Load(new OnnxModelOptions
        {
            ModelFolder = folder,
            TokenizerFolder = parse.GetValue(_tokenizer),
            Abbr = parse.GetValue(_abbr),
            Provider = parse.GetValue(_provider),
            IntraOpThreads = parse.GetValue(_threads),
        });
        output.WriteLine($"Model {local.Descriptor.Abbr} ({local.Descriptor.Identity}, context {local.Descriptor.MaxSequenceLength}) from {folder}");
        output.WriteLine(local.ProviderDescription);
        return local;
    }
}
