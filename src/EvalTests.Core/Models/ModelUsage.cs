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

/// <summary>
/// The token positions a local backend ran for a run's requests, against the naive plan that runs each request alone
/// and in full (every option's whole prompt; every prompt plus one position per new token), as OpenCompass does.
/// </summary>
/// <param name="PositionsRun">Positions the backend ran (shared prefixes once, kept prefixes not again; probes excluded).</param>
/// <param name="NaivePositions">Positions of the naive plan for the same requests.</param>
public sealed record WorkCounts(long PositionsRun, long NaivePositions)
{
    /// <summary>One line for logs and the console.</summary>
    public override string ToString() => PositionsRun == 0
        ? "no positions run"
        : PositionsRun <= NaivePositions
            ? FormattableString.Invariant($"positions run {PositionsRun:N0} / naive plan {NaivePositions:N0} ({(double)NaivePositions / PositionsRun:F1}× fewer)")
            // Batched rows are padded to the longest: with little prefix to share (short gen prompts) that can cost more.
            : FormattableString.Invariant($"positions run {PositionsRun:N0} / naive plan {NaivePositions:N0} ({(double)PositionsRun / NaivePositions:F1}× more: batch padding)");
}

/// <summary>A backend that counts the positions it runs, so a run can report how much work its plan saved.</summary>
public interface IReportsWork
{
    /// <summary>The totals so far.</summary>
    WorkCounts Work { get; }
}
