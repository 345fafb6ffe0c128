using Microsoft.ML.OnnxRuntime;

namespace EvalTests.Onnx.Inference;

/// <summary>
/// Decoding of a batch on the KV cache: the prompt pass (a head the prompts share run once, from and into the kept
/// prefixes), then one token per row per step, chosen greedily unless the row's <see cref="TokenSampler"/> samples.
/// </summary>
internal sealed class GreedyGenerator(ForwardPass forward, PrefixCache prefixes)
{
    /// <summary>
    /// Greedy decoding of a batch. The prompts' prompt pass walks their prefix tree, the least work it needs: each run
    /// of at least <paramref name="minShared"/> tokens that several prompts share (a subject's few-shot examples; the
    /// header two subjects share) runs once, every node below continues on its parent's KV cache as ONNX Runtime returned
    /// it, and each prompt's own last node is its first decoding pass, its answer decoded on from there — one row per
    /// pass, no cache copied or padded. Prompts start from the kept prefixes (whole, or a copy of the part they share),
    /// and what a later call may continue is kept in turn. Only a batch of unrelated prompts (none shares a head with
    /// another or continues a kept prefix) is left-padded to one length and decoded together. Each step feeds one token
    /// per row and the previous step's present KV values. A row stops at an EOS id or when <paramref name="shouldStop"/>
    /// says so; decoding stops when every row has stopped or <paramref name="maxNewTokens"/> is reached.
    /// </summary>
    public IReadOnlyList<GeneratedSequence> Generate(IReadOnlyList<IReadOnlyList<int>> prompts, int maxNewTokens, IReadOnlyCollection<int> eosIds,
        Func<int, IReadOnlyList<int>, bool>? shouldStop = null, int minShared = int.MaxValue, IReadOnlyList<TokenSampler>? samplers = null, int? logProbs = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var decoding = new Decoding(maxNewTokens, eosIds, shouldStop, samplers, logProbs);
        var results = new GeneratedSequence[prompts.Count];
        var padded = minShared == int.MaxValue || Unrelated(prompts, minShared)
            ? [.. Enumerable.Range(0, prompts.Count)]
            : OnPrefixTree(prompts, minShared, decoding, results, cancellationToken);
        if (padded.Count > 0)
        {
            var rows = padded.ToArray();
            var batch = rows.Select(b => prompts[b]).ToList();
            var (ids, mask, positions, length) = forward.LeftPad(batch);
            var step = forward.Run(ids, batch.Count, length, mask, positions, past: null, keepPresent: maxNewTokens > 1);
            var generated = Decode(batch, rows, step, mask, length, Enumerable.Repeat(length - 1, batch.Count).ToArray(), decoding, cancellationToken);
            for (var i = 0; i < rows.Length; i++)
            {
                results[rows[i]] = generated[i];
            }
        }

        return results;
    }

    /// <summary>What decoding asks for, beside the prompts.</summary>
    private sealed record Decoding(int MaxNewTokens, IReadOnlyCollection<int> EosIds, Func<int, IReadOnlyList<int>, bool>? ShouldStop, IReadOnlyList<TokenSampler>? Samplers, int? LogProbs);

    /// <summary>
    /// Whether no two prompts share <paramref name="minShared"/> leading tokens and none continues a kept prefix: such a
    /// batch decodes faster padded together than one row per pass.
    /// </summary>
    private bool Unrelated(IReadOnlyList<IReadOnlyList<int>> prompts, int minShared) =>
        prompts.Count > 1
        && PrefixTree.Build(prompts, Enumerable.Range(0, prompts.Count), 0, minShared).All(root => root.Children.Count == 0 && root.Ends.Count == 1)
        && !prompts.Any(prompt => prefixes.Continues(prompt, minShared));

    /// <summary>
    /// Decodes the prompts through their prefix tree into <paramref name="results"/>; returns the rows left to decode
    /// padded: a prompt that ends where another goes on (the same prompt twice, or one that begins another), whose
    /// node's cache the other still needs.
    /// </summary>
    private List<int> OnPrefixTree(IReadOnlyList<IReadOnlyList<int>> prompts, int minShared, Decoding decoding, GeneratedSequence[] results, CancellationToken cancellationToken)
    {
        var elsewhere = new List<int>();
        var groups = prefixes.GroupByStart(prompts, minShared, scored: false);
        // New prefixes are kept only once every group has run: keeping one can evict an entry a later group starts from.
        var kept = new List<CachedPrefix>();
        try
        {
            foreach (var group in groups)
            {
                var start = group.Key;
                var past = start.Entry is not { } entry ? null
                    : start.Shared == entry.Tokens.Count ? entry.Cache
                    : CopyPart(entry, start.Shared, kept);
                var roots = PrefixTree.Build(prompts, group, start.Shared, minShared);
                foreach (var root in roots)
                {
                    var keep = PrefixCache.KeepsTopNode(root, roots.Count, start, minShared);
                    Walk(keep ? HeadOf(root) : root, past, prompts, keep ? kept : null, decoding, results, elsewhere, cancellationToken);
                }
            }
        }
        catch
        {
            kept.ForEach(k => k.Dispose());
            throw;
        }

        kept.ForEach(prefixes.Add);
        return elsewhere;
    }

    /// <summary>
    /// The first <paramref name="shared"/> tokens of a kept prefix as one of their own (a copy of that part of its
    /// cache), kept for later calls; generation needs no logits there, so nothing runs again.
    /// </summary>
    private IReadOnlyList<OrtValue> CopyPart(CachedPrefix entry, int shared, List<CachedPrefix> kept)
    {
        var copy = KvRows.CopyFirst(entry.Cache, forward.Signature.Cache, shared);
        kept.Add(new CachedPrefix([.. entry.Tokens.Take(shared)], logProbs: null, copy, copy.Sum(KvRows.SizeInBytes)));
        return copy;
    }

    /// <summary>A prompt alone in its tree, as a head of all but its last token (to keep) with that token below it.</summary>
    private static PrefixNode HeadOf(PrefixNode node)
    {
        if (node.Children.Count > 0 || node.Segment.Count < 2)
        {
            return node;
        }

        var head = new PrefixNode(node.Start, [.. node.Segment.Take(node.Segment.Count - 1)]);
        var last = new PrefixNode(node.Start + node.Segment.Count - 1, [node.Segment[^1]]);
        last.Ends.AddRange(node.Ends);
        head.Children.Add(last);
        return head;
    }

    /// <summary>
    /// Runs a node on its parent's cache: a prompt's last node decodes its answer from there; a shared node's cache is
    /// handed to its children, then kept into <paramref name="keep"/> or freed.
    /// </summary>
    private void Walk(PrefixNode node, IReadOnlyList<OrtValue>? past, IReadOnlyList<IReadOnlyList<int>> prompts, List<CachedPrefix>? keep, Decoding decoding,
        GeneratedSequence[] results, List<int> elsewhere, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var (ids, mask, positions, length) = ForwardPass.OneRowOnPast(node.Segment, node.Start);
        if (node.Children.Count == 0)
        {
            var row = node.Ends[0];
            elsewhere.AddRange(node.Ends.Skip(1));
            var step = forward.Run(ids, 1, length, mask, positions, past, keepPresent: decoding.MaxNewTokens > 1);
            results[row] = Decode([prompts[row]], [row], step, mask, length, [length - 1], decoding, cancellationToken)[0];
            return;
        }

        IReadOnlyList<OrtValue> cache;
        using (var step = forward.Run(ids, 1, length, mask, positions, past, keepPresent: true))
        {
            cache = step.TakePresent();
        }

        elsewhere.AddRange(node.Ends);
        try
        {
            foreach (var child in node.Children)
            {
                Walk(child, cache, prompts, keep: null, decoding, results, elsewhere, cancellationToken);
            }
        }
        catch
        {
            KvRows.DisposeAll(cache);
            throw;
        }

        if (keep is not null)
        {
            var end = node.Start + node.Segment.Count;
            keep.Add(new CachedPrefix([.. prompts[node.Sequences.First()].Take(end)], logProbs: null, cache, cache.Sum(KvRows.SizeInBytes)));
        }
        else
        {
            KvRows.DisposeAll(cache);
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
}
