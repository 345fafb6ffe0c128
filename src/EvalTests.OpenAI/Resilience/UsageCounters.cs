using EvalTests.Models;

namespace EvalTests.OpenAI.Resilience;

/// <summary>Thread-safe totals behind <see cref="ModelUsage"/>.</summary>
internal sealed class UsageCounters
{
    private long _requests;
    private long _retries;
    private long _failures;
    private long _cacheHits;
    private long _promptTokens;
    private long _completionTokens;

    public void RequestSent(bool isRetry)
    {
        Interlocked.Increment(ref _requests);
        if (isRetry)
        {
            Interlocked.Increment(ref _retries);
        }
    }

    public void Failed() => Interlocked.Increment(ref _failures);

    public void CacheHit() => Interlocked.Increment(ref _cacheHits);

    public void Tokens(long prompt, long completion)
    {
        Interlocked.Add(ref _promptTokens, prompt);
        Interlocked.Add(ref _completionTokens, completion);
    }

    public ModelUsage Snapshot() => new(
        Interlocked.Read(ref _requests), Interlocked.Read(ref _retries), Interlocked.Read(ref _failures),
        Interlocked.Read(ref _cacheHits), Interlocked.Read(ref _promptTokens), Interlocked.Read(ref _completionTokens));
}
