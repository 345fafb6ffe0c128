namespace EvalTests.Models;

/// <summary>What a remote backend spent in a run: requests, retries, failures, cache hits and tokens.</summary>
/// <param name="Requests">HTTP requests sent (retries included).</param>
/// <param name="Retries">Requests that were repeats of a failed attempt.</param>
/// <param name="Failures">Requests given up on; each became an errored sample.</param>
/// <param name="CacheHits">Requests answered from the response cache, without sending anything.</param>
/// <param name="PromptTokens">Prompt tokens the server reported.</param>
/// <param name="CompletionTokens">Completion tokens the server reported.</param>
public sealed record ModelUsage(long Requests, long Retries, long Failures, long CacheHits, long PromptTokens, long CompletionTokens)
{
    /// <summary>One line for logs and the console.</summary>
    public override string ToString() =>
        FormattableString.Invariant($"requests {Requests} (retries {Retries}), failed {Failures}, cache hits {CacheHits}, tokens {PromptTokens} prompt + {CompletionTokens} completion");
}

/// <summary>A backend that counts what it spends, so a run can report it.</summary>
public interface IReportsUsage
{
    /// <summary>The totals so far.</summary>
    ModelUsage Usage { get; }
}
