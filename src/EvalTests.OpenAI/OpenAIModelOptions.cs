namespace EvalTests.OpenAI;

/// <summary>
/// How to reach and call an OpenAI-compatible endpoint, with the knobs of OpenCompass's <c>OpenAISDK</c> model
/// (<c>openai_api_base</c>, <c>key</c>, <c>path</c>, <c>query_per_second</c>, <c>retry</c>, <c>temperature</c>,
/// <c>max_seq_len</c>, <c>meta_template</c>'s system prompt). The API key itself is never part of the options: only
/// the name of the environment variable that holds it.
/// </summary>
public sealed record OpenAIModelOptions
{
    /// <summary>The API base, e.g. <c>https://api.openai.com/v1</c> or <c>http://127.0.0.1:8000/v1</c>.</summary>
    public required Uri BaseUrl { get; init; }

    /// <summary>The environment variable that holds the API key; null for a server that needs none.</summary>
    public string? ApiKeyVariable { get; init; } = "OPENAI_API_KEY";

    /// <summary>The model name sent with each request; null takes the first id the server lists at <c>/v1/models</c>.</summary>
    public string? Model { get; init; }

    /// <summary>The name in reports; defaults to the model name.</summary>
    public string? Abbr { get; init; }

    /// <summary>
    /// Who serves the model, for the identity that keys the response cache and snapshots (<c>provider:model</c>);
    /// not the URL, so a cache committed to a repository replays against any address.
    /// </summary>
    public string Provider { get; init; } = "openai";

    /// <summary>The most requests started per second, across all concurrent requests (fractional, e.g. 0.16).</summary>
    public double QueriesPerSecond { get; init; } = 1;

    /// <summary>The most requests in flight at once.</summary>
    public int MaxConcurrency { get; init; } = 8;

    /// <summary>How many times a failed request is repeated (429, 5xx, timeouts, broken connections, malformed replies).</summary>
    public int MaxRetries { get; init; } = 5;

    /// <summary>The longest a request is retried in all, waits included; then it is recorded as failed.</summary>
    public TimeSpan MaxRetryDuration { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The wait before the first retry; it doubles each time (a server's <c>Retry-After</c> wins when longer).</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait between two attempts.</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long one attempt may take before it counts as stalled.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>The sampling temperature; null sends none (the server's default), as OpenCompass's OpenAISDK does.</summary>
    public double? Temperature { get; init; }

    /// <summary>
    /// The prompt limit in tokens for dropping in-context examples; null takes the server's <c>max_model_len</c> (vLLM's
    /// <c>/tokenize</c>). Prompts are counted with the server's tokenizer when it serves <c>/tokenize</c>.
    /// </summary>
    public int? MaxSeqLen { get; init; }

    /// <summary>A system message sent before every chat prompt (OpenCompass's meta template <c>SYSTEM</c> round).</summary>
    public string? SystemPrompt { get; init; }

    /// <summary>A folder for the response cache (one JSONL file per model identity); null disables caching.</summary>
    public string? CacheFolder { get; init; }

    /// <summary>
    /// Whether the endpoint serves prompt log-probabilities (<c>/v1/completions</c> with <c>echo</c> and <c>logprobs</c>)
    /// for ppl mode; null asks it once when connecting.
    /// </summary>
    public bool? PromptLogProbs { get; init; }
}
