namespace EvalTests.OpenAI.Resilience;

/// <summary>
/// Holds a request rate across concurrent callers: each caller is given the next free start time, and start times are
/// at least 1/QPS apart. Hand-written rather than System.Threading.RateLimiting's token bucket, whose timer-driven
/// refills let two requests start back to back at a refill boundary; spacing keeps every window under the limit.
/// </summary>
internal sealed class RequestSpacer
{
    private readonly TimeProvider _clock;
    private readonly long _interval;
    private readonly Lock _lock = new();
    private long _next;

    public RequestSpacer(double queriesPerSecond, TimeProvider clock)
    {
        if (!(queriesPerSecond > 0) || double.IsInfinity(queriesPerSecond))
        {
            throw new ArgumentOutOfRangeException(nameof(queriesPerSecond), queriesPerSecond, "queries per second must be a positive number (fractions such as 0.16 are allowed).");
        }

        _clock = clock;
        _interval = (long)(clock.TimestampFrequency / queriesPerSecond);
    }

    /// <summary>Waits for this caller's start time.</summary>
    public async ValueTask WaitAsync(CancellationToken cancellationToken)
    {
        long now, slot;
        lock (_lock)
        {
            now = _clock.GetTimestamp();
            slot = Math.Max(now, _next);
            _next = slot + _interval;
        }

        if (slot > now)
        {
            await Task.Delay(_clock.GetElapsedTime(now, slot), _clock, cancellationToken).ConfigureAwait(false);
        }
    }
}
