namespace EvalTests.Models;

/// <summary>A model that can measure how many requests it runs at once within its memory (<c>--batch-size auto</c>).</summary>
public interface IBatchCapacity
{
    /// <summary>The largest batch, from 1 up to <paramref name="limit"/>, of requests this long that fits and pays.</summary>
    /// <param name="promptTokens">The longest request's prompt tokens.</param>
    /// <param name="newTokens">The tokens each request generates (max_out_len); 0 for log-likelihood scoring, whose batches keep every position's logits instead of a growing KV cache.</param>
    /// <param name="limit">The most requests a batch will ever hold in this run.</param>
    /// <param name="cancellationToken">Stops the measurement.</param>
    int LargestBatch(int promptTokens, int newTokens, int limit, CancellationToken cancellationToken = default);
}
