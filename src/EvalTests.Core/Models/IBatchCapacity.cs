using EvalTests.Datasets;

namespace EvalTests.Models;

/// <summary>A model that can measure how many requests it runs at once within its memory (<c>--batch-size auto</c>).</summary>
public interface IBatchCapacity
{
    /// <summary>The largest batch, from 1 up to <paramref name="limit"/>, of requests <paramref name="tokens"/> tokens long that fits.</summary>
    /// <param name="tokens">The longest request's tokens (prompt plus max_out_len in gen mode).</param>
    /// <param name="mode">Gen batches keep a KV cache; ppl batches keep every position's logits.</param>
    /// <param name="limit">The most requests a batch will ever hold in this run.</param>
    /// <param name="cancellationToken">Stops the measurement.</param>
    int LargestBatch(int tokens, EvalMode mode, int limit, CancellationToken cancellationToken = default);
}
