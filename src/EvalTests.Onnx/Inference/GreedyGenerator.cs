using Microsoft.ML.OnnxRuntime;

namespace EvalTests.Onnx.Inference;

/// <summary>
/// Decoding of a batch on the KV cache: the prompt pass (a head the prompts share run once, from and into the kept
/// prefixes), then one token per row per step, chosen greedily unless the row's <see cref="TokenSampler"/> samples.
/// </summary>
internal sealed class GreedyGenerator(ForwardPass forward, PrefixCache prefixes)
{
    /// <summary>
    /// Greedy decoding of a batch. When the prompts share at least <paramref name="minShared"/> leading tokens (a
    /// subject's few-shot examples; for a batch of one, its prompt), that head runs once (from a kept prefix where an
    /// earlier call ran it, whole or in part) and is kept for later calls; then each prompt's own tokens run on the
    /// head's KV cache as it is and the prompt is decoded, one row per pass: no cache is copied or padded. Otherwise the
    /// rows are left-padded to one length and decoded together. Each step feeds one token per row and the previous
    /// step's present KV values. A row stops at an EOS id or when <paramref name="shouldStop"/> says so; decoding stops
    /// when every row has stopped or <paramref name="maxNewTokens"/> is reached.
    /// </summary>
    public IReadOnlyList<GeneratedSequence> Generate(IReadOnlyList<IReadOnlyList<int>> prompts, int maxNewTokens, IReadOnlyCollection<int> eosIds,
        Func<int, IReadOnlyList<int>, bool>? shouldStop = null, int minShared = int.MaxValue, IReadOnlyList<TokenSampler>? samplers = null, int? logProbs = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var shared = prompts.Min(p => p.Count) - 1;
        foreach (var prompt in prompts.Skip(1))
        {
            shared = Math.Min(shared, PrefixTree.CommonPrefix(prompts[0], prompt));
        }

        var decoding = new Decoding(maxNewTokens, eosIds, shouldStop, samplers, logProbs);
        if (shared >= minShared)
        {
            return OnSharedHead(prompts, shared, minShared, decoding, cancellationToken);
        }

        var (ids, mask, positions, length) = forward.LeftPad(prompts);
        var step = forward.Run(ids, prompts.Count, length, mask, positions, past: null, keepPresent: maxNewTokens > 1);
        return Decode(prompts, Enumerable.Range(0, prompts.Count).ToArray(), step, mask, length, Enumerable.Repeat(length - 1, prompts.Count).ToArray(), decoding, cancellationToken);
    }

    /// <summary>What decoding asks for, beside the prompts.</summary>
    private sealed record Decoding(int MaxNewTokens, IReadOnlyCollection<int> EosIds, Func<int, IReadOnlyList<int>, bool>? ShouldStop, IReadOnlyList<TokenSampler>? Samplers, int? LogProbs);

    /// <summary>
    /// The prompts' shared head from (and into) the kept prefixes, then each prompt alone on the head's cache: its own
    /// tokens, then its answer.
    /// </summary>
    private List<GeneratedSequence> OnSharedHead(IReadOnlyList<IReadOnlyList<int>> prompts, int shared, int minShared, Decoding decoding, CancellationToken cancellationToken)
    {
        var (head, kept) = RunHead(prompts[0], shared, minShared);
        try
        {
            var sequences = new List<GeneratedSequence>(prompts.Count);
            for (var b = 0; b < prompts.Count; b++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var (ids, mask, positions, length) = forward.OneRowOnPast([.. prompts[b].Skip(shared)], shared);
                var step = forward.Run(ids, 1, length, mask, positions, head, keepPresent: decoding.MaxNewTokens > 1);
                sequences.Add(Decode([prompts[b]], [b], step, mask, length, [length - 1], decoding, cancellationToken)[0]);
            }

            return sequences;
        }
        finally
        {
            // Kept once every row has run on it: keeping can evict (and free) what a row still needs.
            if (kept is not null)
            {
                prefixes.Add(kept);
            }
        }
    }

    /// <summary>
    /// Decodes rows from their prompt pass; <paramref name="rows"/> are their indices in the caller's batch (for the
    /// stop callback and the samplers).
    /// </summary>
    private List<GeneratedSequence> Decode(IReadOnlyList<IReadOnlyList<int>> prompts, int[] rows, StepOutputs step, long[] mask, int length, int[] lastIndex, Decoding decoding, CancellationToken cancellationToken)
    {
        var (maxNewTokens, eosIds, shouldStop, samplers, logProbs) = decoding;
        var batch = prompts.Count;
        var outputs = prompts.Select(_ => new List<int>()).ToArray();
        var scored = logProbs is null ? null : prompts.Select(_ => new List<GeneratedToken>()).ToArray();
        var finished = new bool[batch];
        var hitEos = new bool[batch];
        var lastPosition = Enumerable.Range(0, batch).Select(b => (long)prompts[b].Count - 1).ToArray();
        var runningMask = mask.ToList();
        var total = mask.Length / batch;

        try
        {
            for (var generated = 0; generated < maxNewTokens; generated++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var next = new long[batch];
                var seq = generated == 0 ? length : 1;
                for (var b = 0; b < batch; b++)
                {
                    var token = (samplers?[rows[b]] ?? TokenSampler.Greedy).Choose(step, b, generated == 0 ? lastIndex[b] : 0, seq);
                    next[b] = finished[b] ? forward.PadId : token;
                    if (finished[b])
                    {
                        continue;
                    }

                    if (eosIds.Contains(token))
                    {
                        finished[b] = true;
                        hitEos[b] = true;
                        continue;
                    }

                    outputs[b].Add(token);
                    if (scored is not null)
                    {
                        var (logProb, top) = step.Distribution(b, generated == 0 ? lastIndex[b] : 0, seq, token, logProbs!.Value);
                        scored[b].Add(new GeneratedToken(token, logProb, top));
                    }

                    if (shouldStop?.Invoke(rows[b], outputs[b]) == true)
                    {
                        finished[b] = true;
                    }
                }

                if (finished.All(f => f) || generated == maxNewTokens - 1)
                {
                    break;
                }

                total++;
                var stepMask = new long[batch * total];
                for (var b = 0; b < batch; b++)
                {
                    for (var t = 0; t < total - 1; t++)
                    {
                        stepMask[b * total + t] = runningMask[b * (total - 1) + t];
                    }

                    stepMask[b * total + total - 1] = 1;
                }

                runningMask = stepMask.ToList();
                var stepPositions = new long[batch];
                for (var b = 0; b < batch; b++)
                {
                    stepPositions[b] = ++lastPosition[b];
                }

                var previous = step;
                step = forward.Run(next, batch, 1, stepMask, stepPositions, previous.Present, keepPresent: true);
                previous.Dispose();
            }
        }
        finally
        {
            step.Dispose();
        }

        return outputs.Select((o, b) => new GeneratedSequence(o, hitEos[b]) { LogProbs = scored?[b] }).ToList();
    }

    /// <summary>
    /// The KV cache of the head (the first <paramref name="shared"/> tokens of <paramref name="prompt"/>): a kept
    /// prefix's cache as it is when the head is that prefix, else the head run once — on a kept prefix it continues
    /// whole, on a copy of the part it shares with one, or from nothing — and returned with the entry to keep for later
    /// calls (which then owns the cache).
    /// </summary>
    private (IReadOnlyList<OrtValue> Cache, CachedPrefix? Kept) RunHead(IReadOnlyList<int> prompt, int shared, int minShared)
    {
        // Matched with one token past the head, so that a kept prefix equal to the head counts whole.
        var hit = prefixes.Match([.. prompt.Take(shared + 1)], minShared, scored: false);
        var start = hit?.Shared ?? 0;
        var partial = hit is { } h && h.Shared < h.Entry.Tokens.Count;
        var past = hit is not { } found ? null
            : partial ? [.. found.Entry.Cache.Select((value, i) => KvRows.CopyRows(value, forward.Signature.Cache[i], [0], start))]
            : found.Entry.Cache;
        if (start == shared)
        {
            // The whole head is kept: that prefix's cache as it is, or the copy of the part of a longer one, kept in turn.
            return partial ? (past!, new CachedPrefix([.. prompt.Take(shared)], logProbs: null, past!, past!.Sum(KvRows.SizeInBytes))) : (past!, null);
        }

        try
        {
            var (ids, mask, positions, length) = forward.OneRowOnPast([.. prompt.Skip(start).Take(shared - start)], start);
            using var step = forward.Run(ids, 1, length, mask, positions, past, keepPresent: true);
            var cache = step.TakePresent();
            return (cache, new CachedPrefix([.. prompt.Take(shared)], logProbs: null, cache, cache.Sum(KvRows.SizeInBytes)));
        }
        finally
        {
            if (partial)
            {
                KvRows.DisposeAll(past);
            }
        }
    }
}
