using System.ClientModel;
using System.Globalization;
using System.Net;
using System.Text.Json;

namespace EvalTests.OpenAI.Resilience;

/// <summary>A request given up on: its message says what was sent, how often, for how long, and the last failure.</summary>
internal sealed class RequestFailedException(string message, bool permanent = false) : Exception(message)
{
    /// <summary>The server refused the request itself (a client error no retry fixes), rather than failing to answer in time.</summary>
    public bool Permanent { get; } = permanent;
}

/// <summary>A reply that parsed but is not what the API promises (no choices, no log-probabilities…).</summary>
internal sealed class MalformedReplyException(string message) : Exception(message);

/// <summary>
/// The one place requests are retried (the SDK's own retry policy is switched off: its default retries a 500 with no
/// delay at all). Every attempt waits for its slot under the QPS limit; 429, 5xx, timeouts, broken connections and
/// malformed replies are retried with exponential backoff or the server's <c>Retry-After</c>, up to a number of retries
/// and a total duration; other 4xx fail at once. Messages never contain the API key.
/// </summary>
internal sealed class RetryingSender
{
    private readonly OpenAIModelOptions _options;
    private readonly RequestSpacer _spacer;
    private readonly UsageCounters _usage;
    private readonly TimeProvider _clock;
    private readonly string? _secret;

    public RetryingSender(OpenAIModelOptions options, RequestSpacer spacer, UsageCounters usage, TimeProvider clock, string? secret)
    {
        _options = options;
        _spacer = spacer;
        _usage = usage;
        _clock = clock;
        _secret = string.IsNullOrEmpty(secret) ? null : secret;
    }

    public async Task<T> SendAsync<T>(string what, Func<CancellationToken, Task<T>> attempt, CancellationToken cancellationToken)
    {
        var started = _clock.GetTimestamp();
        for (var attemptNumber = 1; ; attemptNumber++)
        {
            await _spacer.WaitAsync(cancellationToken).ConfigureAwait(false);
            _usage.RequestSent(isRetry: attemptNumber > 1);
            string failure;
            TimeSpan? retryAfter = null;
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                timeout.CancelAfter(_options.RequestTimeout);
                try
                {
                    return await attempt(timeout.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    failure = string.Create(CultureInfo.InvariantCulture, $"no reply within {_options.RequestTimeout.TotalSeconds:0.###} s");
                }
                catch (ClientResultException ex) when (IsPermanent(ex.Status))
                {
                    _usage.Failed();
                    throw new RequestFailedException(Scrub($"{what} was refused: {Describe(ex)}"), permanent: true);
                }
                catch (ClientResultException ex)
                {
                    failure = Describe(ex);
                    retryAfter = RetryAfter(ex);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    failure = ex switch
                    {
                        JsonException or FormatException => $"malformed reply ({ex.Message})",
                        MalformedReplyException => $"malformed reply ({ex.Message})",
                        _ => $"{ex.GetType().Name}: {ex.Message}",
                    };
                }
            }

            var elapsed = _clock.GetElapsedTime(started);
            var backoff = TimeSpan.FromTicks(Math.Min(_options.MaxBackoff.Ticks, _options.InitialBackoff.Ticks * (1L << Math.Min(attemptNumber - 1, 30))));
            var delay = retryAfter is { } serverSays && serverSays > backoff ? serverSays : backoff;
            if (attemptNumber > _options.MaxRetries || elapsed + delay > _options.MaxRetryDuration)
            {
                _usage.Failed();
                throw new RequestFailedException(Scrub(string.Create(CultureInfo.InvariantCulture,
                    $"{what} failed after {attemptNumber} attempt(s) in {elapsed.TotalSeconds:0.0} s: {failure}")));
            }

            await Task.Delay(delay, _clock, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Client errors that another attempt cannot fix (408 timeout, 409 conflict and 429 rate limit can be).</summary>
    private static bool IsPermanent(int status) => status is >= 400 and < 500 and not 408 and not 409 and not 429;

    /// <summary>The status and the server's own error message, not the SDK's dump of headers.</summary>
    private static string Describe(ClientResultException ex)
    {
        if (ex.Status == 0)
        {
            return ex.InnerException is { } inner ? $"connection failed: {inner.Message}" : $"connection failed: {ex.Message}";
        }

        var reason = Enum.IsDefined(typeof(HttpStatusCode), ex.Status) ? ((HttpStatusCode)ex.Status).ToString() : "error";
        var detail = string.Empty;
        try
        {
            var body = ex.GetRawResponse()?.Content?.ToString();
            if (!string.IsNullOrWhiteSpace(body))
            {
                using var document = JsonDocument.Parse(body);
                detail = document.RootElement.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object
                         && error.TryGetProperty("message", out var message) ? message.GetString() ?? string.Empty : body;
            }
        }
        catch (JsonException)
        {
            detail = ex.GetRawResponse()?.Content?.ToString() ?? string.Empty;
        }

        detail = detail.Length > 300 ? detail[..300] + "…" : detail;
        return string.Create(CultureInfo.InvariantCulture, $"HTTP {ex.Status} ({reason}){(detail.Length > 0 ? ": " + detail : string.Empty)}");
    }

    /// <summary>Retry-After in seconds or as an HTTP date (retry-after-ms as well, as OpenAI sends it).</summary>
    private TimeSpan? RetryAfter(ClientResultException ex)
    {
        var headers = ex.GetRawResponse()?.Headers;
        if (headers is null)
        {
            return null;
        }

        if (headers.TryGetValue("retry-after-ms", out var ms) && double.TryParse(ms, NumberStyles.Float, CultureInfo.InvariantCulture, out var milliseconds) && milliseconds >= 0)
        {
            return TimeSpan.FromMilliseconds(milliseconds);
        }

        if (!headers.TryGetValue("Retry-After", out var value) || string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0)
        {
            return TimeSpan.FromSeconds(seconds);
        }

        return DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date)
            ? (date - _clock.GetUtcNow()) is var wait && wait > TimeSpan.Zero ? wait : TimeSpan.Zero
            : null;
    }

    private string Scrub(string message) => _secret is null ? message : message.Replace(_secret, "***", StringComparison.Ordinal);
}
