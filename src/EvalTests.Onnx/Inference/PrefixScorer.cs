using Microsoft.ML.OnnxRuntime;

namespace EvalTests.Onnx.Inference;

/// <summary>
/// Per-token log-probabilities: of each sequence in one padded pass, or through the batch's prefix tree, each shared
/// run of tokens once, continuing from (and adding to) the kept prefixes.
/// </summary>
internal sealed class PrefixScorer(ForwardPass forward, PrefixCache prefixes)
{
    /// <summary>
    /// log p(token_t | tokens before t) for every position t ≥ 1 of each row, from one batched forward pass without cache.
    /// </summary>
    public IReadOnlyList<double[]> TokenLogProbs(IReadOnlyList<IReadOnlyList<int>> sequences, CancellationToken cancellationToken = default)
    {
        var batch = sequences.Count;
        var (ids, mask, positions, length) = forward.LeftPad(sequences);

        cancellationToken.ThrowIfCancellationRequested();
        using var result = forward.Run(ids, batch, length, mask, positions, past: null, keepPresent: false);
        return Enumerable.Range(0, batch).Select(b => RowLogProbs(result, ids, b, sequences[b].Count, length)).ToList();
    }

    /// <summary>log p(token_t | before t) for the real tokens (t ≥ 1) of one left-padded row of a forward pass.</summary>
    private static double[] RowLogProbs(StepOutputs logits, long[] ids, int row, int count, int length)
    {
        var pad = length - count;
        var logProbs = new double[Math.Max(0, count - 1)];
        for (var t = pad + 1; t < length; t++)
        {
            logProbs[t - pad - 1] = logits.LogSoftmaxAt(row, t - 1, length, (int)ids[(row * length) + t]);
        }

        return logProbs;
    }

    /// <summary>
    /// Per-token log-probabilities of sequences scored through their prefix tree, the least work the scoring needs: each
    /// run of tokens that several sequences share (a subject's few-shot examples, a question's prompt) runs once, and
    /// every node below continues on its parent's KV cache as ONNX Runtime returned it — one row per pass, so no cache
    /// is copied or padded. A sequence that continues a prefix kept from an earlier call whole starts on that prefix's
    /// cache; one that shares only part of it starts on a copy of that part. Each scored position's log-softmax is taken
    /// once and shared by every sequence below it. Results equal <see cref="TokenLogProbs"/> on the full sequences.
    /// </summary>
    /// <param name="sequences">The sequences.</param>
    /// <param name="minShared">The fewest tokens worth sharing.</param>
    /// <param name="cancellationToken">Stops between passes.</param>
    public IReadOnlyList<double[]> TokenLogProbsSharingPrefixes(IReadOnlyList<IReadOnlyList<int>> sequences, int minShared, CancellationToken cancellationToken = default)
    {
        // logProbs[i][t] = log p(token t | tokens before t); index 0 has none.
        var logProbs = sequences.Select(s => new double[s.Count]).ToArray();
        var groups = prefixes.GroupByStart(sequences, minShared, scored: true);
        // New prefixes are kept only once every group has run: keeping one can evict an entry a later group starts from.
        var kept = new List<CachedPrefix>();
        try
        {
            foreach (var group in groups)
            {
                var start = group.Key;
                var members = group.ToList();
                // A sequence continuing part of a kept prefix starts on that part, completed into a prefix of its own.
                var entry = start.Entry is not { } found ? null
                    : PrefixCache.IsWhole(found, start.Shared) ? found
                    : Keep(CompletePart(found, start.Shared), kept);
                var past = entry?.Cache;
                var length = entry is null ? 0 : start.Shared;
                foreach (var i in entry is null ? [] : members)
                {
                    // The kept prefix's log-probabilities, and the log-softmax after it for the token that follows.
                    Array.Copy(entry!.LogProbs!, 1, logProbs[i], 1, length - 1);
                    logProbs[i][length] = entry.NextLogProbs![sequences[i][length]];
                }

                var roots = PrefixTree.Build(sequences, members, length, minShared);
                foreach (var root in roots)
                {
                    Walk(root, past, sequences, logProbs, PrefixCache.KeepsTopNode(root, roots.Count, start, minShared) ? kept : null, cancellationToken);
                }
            }
        }
        catch
        {
            kept.ForEach(k => k.Dispose());
            throw;
        }

        kept.ForEach(prefixes.Add);
        return logProbs.Select(row => row.Length > 0 ? row[1..] : row).ToArray();
    }

    private static CachedPrefix Keep(CachedPrefix entry, List<CachedPrefix> kept)
    {
        kept.Add(entry);
        return entry;
    }

    /// <summary>
    /// The first <paramref name="shared"/> tokens of a kept prefix as a prefix of their own, with the log-softmax after
    /// them: a copy of the cache of all but the last, which runs again for its logits. Later calls that share this part
    /// (what two calls had in common: a subject's shots, where the first call's questions also shared a few words)
    /// continue it whole, with no copy and nothing run again.
    /// </summary>
    private CachedPrefix CompletePart(CachedPrefix entry, int shared)
    {
        var copy = KvRows.CopyFirst(entry.Cache, forward.Signature.Cache, shared - 1);
        try
        {
            var tokens = entry.Tokens.Take(shared).ToArray();
            var (ids, mask, positions, length) = ForwardPass.OneRowOnPast([tokens[^1]], shared - 1);
            using var step = forward.Run(ids, 1, length, mask, positions, copy, keepPresent: true);
            var next = step.LogSoftmaxRow(0, 0, length);
            var cache = step.TakePresent();
            return new CachedPrefix(tokens, entry.LogProbs![..shared], cache, cache.Sum(KvRows.SizeInBytes), next);
        }
        finally
        {
            KvRows.DisposeAll(copy);
        }
    }

    /// <summary>
    /// Runs a node on its parent's cache, scores its tokens and its children's first tokens, then its children on its own
    /// cache; the node's cache is kept into <paramref name="keep"/> (with the log-softmax after it) or freed.
    /// </summary>
    private void Walk(PrefixNode node, IReadOnlyList<OrtValue>? past, IReadOnlyList<IReadOnlyList<int>> sequences, double[][] logProbs, List<CachedPrefix>? keep, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var end = node.Start + node.Segment.Count;
        var (ids, mask, positions, length) = ForwardPass.OneRowOnPast(node.Segment, node.Start);
        var continued = node.Children.Count > 0 || keep is not null;
        IReadOnlyList<OrtValue>? cache = null;
        double[]? next = null;
        using (var step = forward.Run(ids, 1, length, mask, positions, past, keepPresent: continued))
        {
            var members = node.Sequences.ToList();
            for (var j = 1; j < node.Segment.Count; j++)
            {
                var value = step.LogSoftmaxAt(0, j - 1, length, node.Segment[j]);
                members.ForEach(i => logProbs[i][node.Start + j] = value);
            }

            if (continued)
            {
                // The last position's distribution, once, for every child's first token and for a kept prefix.
                next = step.LogSoftmaxRow(0, length - 1, length);
                cache = step.TakePresent();
            }
        }

        foreach (var child in node.Children)
        {
            child.Sequences.ToList().ForEach(i => logProbs[i][child.Start] = next![child.Segment[0]]);
        }

        try
        {
            foreach (var child in node.Children)
            {
                Walk(child, cache, sequences, logProbs, keep: null, cancellationToken);
            }
        }
        catch
        {
            KvRows.DisposeAll(cache);
            throw;
        }

        if (keep is not null)
        {
            var member = node.Sequences.First();
            keep.Add(new CachedPrefix(sequences[member].Take(end).ToArray(), logProbs[member][..end], cache!, cache!.Sum(KvRows.SizeInBytes), next));
        }
        else
        {
            KvRows.DisposeAll(cache);
        }
    }
}
