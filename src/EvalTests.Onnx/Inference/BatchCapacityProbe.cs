using Microsoft.ML.OnnxRuntime;

namespace EvalTests.Onnx.Inference;

/// <summary>Finds the largest batch that fits in memory and still pays (<c>--batch-size auto</c>), by running probe batches.</summary>
internal static class BatchCapacityProbe
{
    /// <summary>Doubling must raise the rows per second by at least this factor to be worth it.</summary>
    public const double MinSpeedup = 1.1;

    /// <summary>The share of the memory the process may use that a batch may grow into.</summary>
    private const double MemoryShare = 0.75;

    /// <summary>Decode steps a generation probe times (the rest of its new tokens are run as part of its first pass).</summary>
    private const int ProbeDecodeSteps = 4;

    public static long DefaultMemoryBudget() => (long)(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes * MemoryShare);

    /// <summary>
    /// Doubles a probe batch of the longest request while it fits and pays: it stops before the next doubling would pass
    /// the memory budget (the peak working set grows by what each added row costs, ONNX Runtime's arena included), when
    /// ONNX Runtime fails to allocate (out of device memory on CUDA), or when doubling no longer raises the rows per
    /// second by <paramref name="minSpeedup"/> (on a CPU, past a few rows a batch only adds padding and attention work).
    /// A generation probe reaches the full length (<paramref name="tokens"/>: prompt plus new tokens) and times its
    /// decode steps too, so the rate is that of the whole generation: the pass plus every new token's step.
    /// </summary>
    public static int LargestBatch(OnnxDecoder decoder, int tokens, int newTokens, int limit, long memoryBudget, double minSpeedup, CancellationToken cancellationToken)
    {
        var decodeSteps = Math.Min(Math.Min(newTokens, ProbeDecodeSteps), tokens - 1);
        var fits = 0;
        var peak = PeakWorkingSet();
        long perRow = 0;
        var rowsPerSecond = 0.0;
        for (var rows = 1; fits < limit; rows = Math.Min(rows * 2, limit))
        {
            if (fits > 0 && peak + (perRow * (rows - fits)) > memoryBudget)
            {
                break;
            }

            TimeSpan pass, step;
            try
            {
                (pass, step) = decoder.Probe(rows, tokens, decodeSteps, cancellationToken);
            }
            catch (OnnxRuntimeException)
            {
                break;
            }

            var rate = rows / Math.Max((pass + (step * Math.Max(0, newTokens - 1))).TotalSeconds, 1e-6);
            var grown = PeakWorkingSet();
            perRow = Math.Max(perRow, (grown - peak) / (rows - fits));
            peak = grown;
            if (fits > 0 && rate < rowsPerSecond * minSpeedup)
            {
                break;
            }

            rowsPerSecond = rate;
            fits = rows;
        }

        return Math.Max(1, fits);
    }

    private static long PeakWorkingSet()
    {
        using var process = System.Diagnostics.Process.GetCurrentProcess();
        return process.PeakWorkingSet64;
    }
}
