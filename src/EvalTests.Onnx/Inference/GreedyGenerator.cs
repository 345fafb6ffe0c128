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
    /// subject's few-shot examples; for a batch of one, its prompt), that prefix is run once (from a kept prefix where an
    /// earlier call ran its start), kept for later calls, and its KV cache copied to every row; only the rest of each
    /// prompt is run, right-padded. Otherwise rows are left-padded to one length. Each step then feeds one token per
    /// row and the previous step's present KV values. A row stops at an EOS id or when <paramref name="shouldStop"/>
    /// says so; the batch stops when every row has stopped or <paramref name="maxNewTokens"/> is reached.
    /// </summary>
    public IReadOnlyList<GeneratedSequence> Generate(IReadOnlyList<IReadOnlyList<int>> prompts, int maxNewTokens, IReadOnlyCollection<int> eosIds,
        Func<int, IReadOnlyList<int>, bool>? shouldStop = null, int minShared = int.MaxValue, IReadOnlyList<TokenSampler>? samplers = null, int? logProbs = null, CancellationToken cancellationToken = default)
    {
        var batch = prompts.Count;
        var outputs = prompts.Select(_ => new List<int>()).ToArray();
        var scored = logProbs is null ? null : prompts.Select(_ => new List<GeneratedToken>()).ToArray();
        var finished = new bool[batch];
        var hitEos = new bool[batch];
        var (step, mask, length, lastIndex) = PromptPass(prompts, keepPresent: maxNewTokens > 1, minShared, cancellationToken);
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
                    var token = (samplers?[b] ?? TokenSampler.Greedy).Choose(step, b, generated == 0 ? lastIndex[b] : 0, seq);
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

                    if (shouldStop?.Invoke(b, outputs[b]) == true)
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
    /// The first pass of generation: the prompts' logits and KV cache, the attention mask so far, the pass's sequence
    /// length and where each row's last prompt token sits in it. When the prompts share at least
    /// <paramref name="minShared"/> leading tokens, that head runs once, from a kept prefix when an earlier call ran its
    /// start (a subject's shots), and is kept in turn for the next call.
    /// </summary>
    private (StepOutputs Step, long[] Mask, int Length, int[] LastIndex) PromptPass(IReadOnlyList<IReadOnlyList<int>> prompts, bool keepPresent, int minShared, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var batch = prompts.Count;
        var shared = prompts.Min(p => p.Count) - 1;
        foreach (var prompt in prompts.Skip(1))
        {
            shared = Math.Min(shared, PrefixTree.CommonPrefix(prompts[0], prompt));
        }

        if (shared < minShared)
        {
            var (ids, mask, positions, length) = forward.LeftPad(prompts);
            return (forward.Run(ids, batch, length, mask, positions, past: null, keepPresent), mask, length, Enumerable.Repeat(length - 1, batch).ToArray());
        }

        var past = RunHead(prompts[0].Take(shared).ToList(), batch, minShared);
        try
        {
            var pastMask = Enumerable.Repeat(1L, shared).ToArray();
            var (ids, mask, positions, length) = forward.RightPadOnPast(prompts.Select(p => ((IReadOnlyList<int>)p.Skip(shared).ToList(), shared, pastMask)).ToList());
            cancellationToken.ThrowIfCancellationRequested();
            var step = forward.Run(ids, batch, length, mask, positions, past, keepPresent);
            return (step, mask, length, prompts.Select(p => p.Count - shared - 1).ToArray());
        }
        finally
        {
            KvRows.DisposeAll(past);
        }
    }

    /// <summary>
    /// The KV cache of a head every row shares, copied to <paramref name="rows"/> rows: the part a kept prefix covers is
    /// taken from it, the rest run once; the whole head is kept for later calls.
    /// </summary>
    private List<OrtValue> RunHead(List<int> head, int rows, int minShared)
    {
        var hit = prefixes.Match(head, minShared, scored: false);
        var start = hit?.Shared ?? 0;
        var kept = hit is { } h ? h.Entry.Cache.Select((value, i) => KvRows.CopyRows(value, forward.Signature.Cache[i], [0], start)).ToList() : null;
        try
        {
            var (ids, mask, positions, length) = forward.RightPadOnPast([(head.Skip(start).ToList(), start, Enumerable.Repeat(1L, start).ToArray())]);
            using var step = forward.Run(ids, 1, length, mask, positions, kept, keepPresent: true);
            var cache = step.Present.Select((value, i) => KvRows.CopyRows(value, forward.Signature.Cache[i], [0], head.Count)).ToList();
            prefixes.Add(new CachedPrefix(head, logProbs: null, cache, cache.Sum(KvRows.SizeInBytes)));
            return step.Present.Select((value, i) => KvRows.CopyRows(value, forward.Signature.Cache[i], new int[rows], head.Count)).ToList();
        }
        finally
        {
            KvRows.DisposeAll(kept);
        }
    }
}
