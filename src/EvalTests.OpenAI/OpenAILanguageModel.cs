using System.ClientModel;
using System.ClientModel.Primitives;
using System.Globalization;
using System.Text.Json.Nodes;
using EvalTests.Models;
using EvalTests.OpenAI.Resilience;
using EvalTests.OpenAI.Transport;
using EvalTests.Prompts;
using EvalTests.Runs;
using OpenAI;
using OpenAI.Chat;

namespace EvalTests.OpenAI;

/// <summary>
/// A model behind an OpenAI-compatible API. Gen mode sends the prompt's turns as chat messages (HUMAN→user,
/// BOT→assistant, SYSTEM→system; the answer turn is not sent, as in OpenCompass's API meta template); ppl mode asks
/// <c>/v1/completions</c> for the prompt's log-probabilities where the server serves them. Requests of a batch run
/// concurrently under a QPS limit; each is retried in one place and, when it still fails, becomes an errored sample.
/// </summary>
public sealed class OpenAILanguageModel : ILanguageModel, IReportsUsage
{
    private readonly OpenAIModelOptions _options;
    private readonly OpenAIClient _client;
    private readonly ChatClient _chat;
    private readonly string _model;
    private readonly RetryingSender _sender;
    private readonly UsageCounters _usage;
    private readonly JsonLineStore _cache;
    private readonly string? _logProbsRefusal;
    private readonly string _settingsKey;

    private OpenAILanguageModel(OpenAIModelOptions options, OpenAIClient client, string model, RetryingSender sender, UsageCounters usage, JsonLineStore cache, string? logProbsRefusal, ITokenCounter? tokenCounter, int? maxModelLength)
    {
        TokenCounter = tokenCounter;
        _options = options;
        _client = client;
        _model = model;
        _chat = client.GetChatClient(model);
        _sender = sender;
        _usage = usage;
        _cache = cache;
        _logProbsRefusal = logProbsRefusal;
        _settingsKey = string.Create(CultureInfo.InvariantCulture, $"temperature={options.Temperature?.ToString("R", CultureInfo.InvariantCulture) ?? "default"};system={options.SystemPrompt}");
        var capabilities = ModelCapabilities.Generate | (logProbsRefusal is null ? ModelCapabilities.LogLikelihood : ModelCapabilities.None);
        Descriptor = new ModelDescriptor(options.Abbr ?? model, Identity(options.Provider, model), options.MaxSeqLen ?? maxModelLength, capabilities)
        {
            Limitations = logProbsRefusal,
        };
    }

    /// <inheritdoc/>
    public ModelDescriptor Descriptor { get; }

    /// <summary>The server's tokenizer behind vLLM's <c>/tokenize</c>, when it serves one; else prompts are not fitted.</summary>
    public ITokenCounter? TokenCounter { get; }

    /// <summary>The model name sent with each request.</summary>
    public string ModelName => _model;

    /// <summary>The response cache file (successful replies only, keyed by <see cref="RequestKey"/>), or null when caching is off.</summary>
    public string? CachePath => _cache.Path;

    /// <inheritdoc/>
    public ModelUsage Usage => _usage.Snapshot();

    /// <summary>
    /// Connects: reads the key from its environment variable, takes the model name from <c>/v1/models</c> when none is
    /// given, and asks once whether prompt log-probabilities are served (unless the options say).
    /// </summary>
    /// <exception cref="ArgumentException">The options are invalid or the key's environment variable is empty.</exception>
    /// <exception cref="HttpRequestException">The server cannot be reached or lists no model.</exception>
    public static async Task<OpenAILanguageModel> ConnectAsync(OpenAIModelOptions options, CancellationToken cancellationToken = default) =>
        await ConnectAsync(options, transport: null, TimeProvider.System, cancellationToken).ConfigureAwait(false);

    internal static async Task<OpenAILanguageModel> ConnectAsync(OpenAIModelOptions options, PipelineTransport? transport, TimeProvider clock, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxConcurrency, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(options.MaxRetries);
        var key = ReadKey(options.ApiKeyVariable);
        var clientOptions = new OpenAIClientOptions
        {
            Endpoint = options.BaseUrl,
            // Retries are owned by RetryingSender; the SDK's default policy retries a 500 with no delay.
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
            NetworkTimeout = options.RequestTimeout,
        };
        if (transport is not null)
        {
            clientOptions.Transport = transport;
        }

        var client = new OpenAIClient(new ApiKeyCredential(key ?? "EMPTY"), clientOptions);
        var usage = new UsageCounters();
        var sender = new RetryingSender(options, new RequestSpacer(options.QueriesPerSecond, clock), usage, clock, key);
        var model = options.Model ?? await FirstListedModelAsync(client, sender, options.BaseUrl, cancellationToken).ConfigureAwait(false);
        var cache = JsonLineStore.Open(options.CacheFolder, CacheIdentity(options, model));
        try
        {
            var refusal = options.PromptLogProbs switch
            {
                true => null,
                false => "prompt log-probabilities are switched off for this model",
                null => await ProbeLogProbsAsync(client.Pipeline, sender, cache, options, model, cancellationToken).ConfigureAwait(false),
            };
            var (counter, maxModelLength) = await RemoteTokenCounter.ProbeAsync(client.Pipeline, options.BaseUrl, model, cache, CacheIdentity(options, model), cancellationToken).ConfigureAwait(false);
            return new OpenAILanguageModel(options, client, model, sender, usage, cache, refusal, counter, maxModelLength);
        }
        catch
        {
            cache.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    public async ValueTask<IReadOnlyList<GenerationResult>> GenerateAsync(IReadOnlyList<GenerationRequest> requests, CancellationToken cancellationToken = default)
    {
        var results = new GenerationResult[requests.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, requests.Count), Parallelism(cancellationToken), async (i, ct) =>
            results[i] = await GenerateOneAsync(requests[i], ct).ConfigureAwait(false)).ConfigureAwait(false);
        return results;
    }

    /// <inheritdoc/>
    public async ValueTask<IReadOnlyList<LogLikelihoodResult>> LogLikelihoodAsync(IReadOnlyList<LogLikelihoodRequest> requests, CancellationToken cancellationToken = default)
    {
        if (_logProbsRefusal is not null)
        {
            throw new NotSupportedException($"Model '{Descriptor.Abbr}' cannot score log-likelihoods (ppl mode): {_logProbsRefusal}.");
        }

        var results = new LogLikelihoodResult[requests.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, requests.Count), Parallelism(cancellationToken), async (i, ct) =>
            results[i] = await ScoreOneAsync(requests[i], ct).ConfigureAwait(false)).ConfigureAwait(false);
        return results;
    }

    private ParallelOptions Parallelism(CancellationToken cancellationToken) =>
        new() { MaxDegreeOfParallelism = _options.MaxConcurrency, CancellationToken = cancellationToken };

    private async Task<GenerationResult> GenerateOneAsync(GenerationRequest request, CancellationToken cancellationToken)
    {
        var key = RequestKey.For(CacheIdentity(_options, _model), request, _settingsKey);
        if (_cache.TryGet(key, out var cached) && ResultJson.Generation(cached) is { } hit)
        {
            _usage.CacheHit();
            return hit;
        }

        var messages = Messages(request.Prompt);
        var options = new ChatCompletionOptions { MaxOutputTokenCount = request.Settings.MaxOutputTokens };
        if (_options.Temperature is { } temperature)
        {
            options.Temperature = (float)temperature;
        }

        foreach (var stop in request.Settings.StopStrings)
        {
            options.StopSequences.Add(stop);
        }

        try
        {
            var completion = await _sender.SendAsync("chat completion", async ct =>
            {
                var reply = (await _chat.CompleteChatAsync(messages, options, ct).ConfigureAwait(false)).Value;
                if (reply.Content is null || (reply.Content.Count == 0 && reply.FinishReason is not (ChatFinishReason.Stop or ChatFinishReason.Length or ChatFinishReason.ContentFilter)))
                {
                    throw new MalformedReplyException("the chat completion has no message content and no finish reason");
                }

                return reply;
            }, cancellationToken).ConfigureAwait(false);

            var text = string.Concat(completion.Content.Where(p => p.Kind == ChatMessageContentPartKind.Text).Select(p => p.Text));
            var promptTokens = completion.Usage?.InputTokenCount ?? 0;
            var outputTokens = completion.Usage?.OutputTokenCount ?? 0;
            _usage.Tokens(promptTokens, outputTokens);
            var result = new GenerationResult(text, promptTokens, outputTokens, Finish: completion.FinishReason == ChatFinishReason.Length ? FinishReason.Length : FinishReason.Stop);
            _cache.Add(key, ResultJson.From(result));
            return result;
        }
        catch (RequestFailedException ex)
        {
            return new GenerationResult(string.Empty, 0, 0, ex.Message);
        }
    }

    private async Task<LogLikelihoodResult> ScoreOneAsync(LogLikelihoodRequest request, CancellationToken cancellationToken)
    {
        var key = RequestKey.For(CacheIdentity(_options, _model), request, _settingsKey);
        if (_cache.TryGet(key, out var cached) && ResultJson.LogLikelihood(cached) is { } hit)
        {
            _usage.CacheHit();
            return hit;
        }

        // A completions prompt has no roles: the text is the turns joined as OpenCompass joins them for a base model.
        var text = request.Prompt.ToPlainText();
        var context = request.Prompt.WithoutLastTurn().ToPlainText();
        try
        {
            var echoed = await _sender.SendAsync("prompt log-probabilities", ct => PromptLogProbs.RequestAsync(_client.Pipeline, _options.BaseUrl, _model, text, ct), cancellationToken).ConfigureAwait(false);
            var result = echoed.ToLogLikelihood(text, context);
            _usage.Tokens(echoed.PromptTokens ?? result.TokenLogProbs.Count + 1, 1);
            _cache.Add(key, ResultJson.From(result));
            return result;
        }
        catch (RequestFailedException ex)
        {
            return new LogLikelihoodResult([], 0, ex.Message);
        }
    }

    private List<ChatMessage> Messages(Prompt prompt)
    {
        var messages = new List<ChatMessage>(prompt.Turns.Count + 1);
        if (_options.SystemPrompt is { Length: > 0 } system)
        {
            messages.Add(new SystemChatMessage(system));
        }

        foreach (var turn in prompt.ChatTurns)
        {
            messages.Add(turn.Role switch
            {
                TurnRole.System => new SystemChatMessage(turn.Text),
                TurnRole.Human => new UserChatMessage(turn.Text),
                _ => new AssistantChatMessage(turn.Text),
            });
        }

        return messages;
    }

    private static async Task<string> FirstListedModelAsync(OpenAIClient client, RetryingSender sender, Uri baseUrl, CancellationToken cancellationToken)
    {
        try
        {
            var models = await sender.SendAsync("model list", async ct => (await client.GetOpenAIModelClient().GetModelsAsync(ct).ConfigureAwait(false)).Value, cancellationToken).ConfigureAwait(false);
            return models.FirstOrDefault()?.Id
                ?? throw new HttpRequestException($"{baseUrl}models lists no model; name one (--model-name, or Model= on the EvalModel item).");
        }
        catch (RequestFailedException ex)
        {
            throw new HttpRequestException($"{baseUrl}: cannot list models to pick one ({ex.Message}); name the model (--model-name, or Model= on the EvalModel item).", ex);
        }
    }

    private static async Task<string?> ProbeLogProbsAsync(ClientPipeline pipeline, RetryingSender sender, JsonLineStore cache, OpenAIModelOptions options, string model, CancellationToken cancellationToken)
    {
        const string Probe = "The capital of France is Paris.";
        var key = RequestKey.For(CacheIdentity(options, model), new LogLikelihoodRequest(new Prompt([new PromptTurn(TurnRole.Human, Probe)])), "probe");
        if (cache.TryGet(key, out var cached))
        {
            return cached["refusal"]?.GetValue<string>();
        }

        string? refusal;
        try
        {
            await sender.SendAsync("prompt log-probabilities probe", ct => PromptLogProbs.RequestAsync(pipeline, options.BaseUrl, model, Probe, ct), cancellationToken).ConfigureAwait(false);
            refusal = null;
        }
        catch (RequestFailedException ex) when (!ex.Permanent)
        {
            // The server did not answer (after the retries): this run goes without, the next one asks again.
            return $"{options.BaseUrl}completions did not answer the prompt log-probabilities probe: {ex.Message}";
        }
        catch (RequestFailedException ex)
        {
            refusal = $"{options.BaseUrl}completions does not return prompt log-probabilities (echo + logprobs): {ex.Message}";
        }

        // Only an answer is remembered: served, or refused by the server itself.
        cache.Add(key, new JsonObject { ["refusal"] = refusal });
        return refusal;
    }

    private static string? ReadKey(string? variable)
    {
        if (variable is null)
        {
            return null;
        }

        var key = Environment.GetEnvironmentVariable(variable);
        return string.IsNullOrEmpty(key)
            ? throw new ArgumentException($"The API key's environment variable {variable} is not set. Set it, name another variable (--api-key-env, or ApiKeyEnv= on the EvalModel item), or pass none for a server without keys.")
            : key;
    }

    private static string Identity(string provider, string model) => $"{provider}:{model}";

    /// <summary>
    /// What a cached reply is the reply of: the model's identity and the server that gave it, so that two servers that
    /// both name their model "model" never answer from each other's cache. (The identity in reports and snapshots stays
    /// provider:model: the same model served elsewhere is the same model.)
    /// </summary>
    private static string CacheIdentity(OpenAIModelOptions options, string model) =>
        $"{Identity(options.Provider, model)}@{options.BaseUrl.GetLeftPart(UriPartial.Path).TrimEnd('/')}";

    /// <inheritdoc/>
    public ValueTask DisposeAsync()
    {
        _cache.Dispose();
        return ValueTask.CompletedTask;
    }
}
