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
    /// Per-token log-probabilities of sequences scored through their prefix tree: a run of tokens shared by several
    /// sequences (a subject's few-shot examples, a question's prompt) is run once, and what follows it continues from a
    /// copy of its KV cache, one tree level per forward pass. A sequence that starts with a prefix kept from an earlier
    /// call starts from that prefix's cache. Results equal <see cref="TokenLogProbs"/> on the full sequences.
    /// </summary>
    /// <param name="sequences">The sequences.</param>
    /// <param name="minShared">The fewest tokens worth sharing.</param>
    /// <param name="cancellationToken">Stops between passes.</param>
    public IReadOnlyList<double[]> TokenLogProbsSharingPrefixes(IReadOnlyList<IReadOnlyList<int>> sequences, int minShared, CancellationToken cancellationToken = default)
    {
        // logProbs[i][t] = log p(token t | tokens before t); index 0 has none.
        var logProbs = sequences.Select(s => new double[s.Count]).ToArray();
        var groups = Enumerable.Range(0, sequences.Count)
            .GroupBy(i => prefixes.Match(sequences[i], minShared, scored: true) is { } hit ? (hit.Entry, Past: hit.Shared - 1) : (Entry: (CachedPrefix?)null, Past: 0))
            .ToList();
        // New prefixes are kept only once every group has run: keeping one can evict an entry a later group starts from.
        var kept = new List<CachedPrefix>();
        try
        {
            foreach (var group in groups)
            {
                var (entry, past) = group.Key;
                foreach (var i in entry is null ? Enumerable.Empty<int>() : group)
                {
                    // The first token after the kept part is run again (its logits score the token after it); its own
                    // log-probability and those before it are the cached prefix's.
                    Array.Copy(entry!.LogProbs!, 1, logProbs[i], 1, past);
                }

                var roots = PrefixTree.Build(sequences, group, past, minShared);
                kept.AddRange(ScoreTree(roots, entry, past, sequences, logProbs, minShared, cancellationToken));
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

    /// <summary>
    /// Runs one group's tree level by level; returns its shared top nodes to be kept (a subject's shots, or a lone
    /// question's prompt, whose shots a later question of the subject starts from).
    /// </summary>
    private List<CachedPrefix> ScoreTree(List<PrefixNode> roots, CachedPrefix? entry, int pastLength, IReadOnlyList<IReadOnlyList<int>> sequences, double[][] logProbs, int minShared, CancellationToken cancellationToken)
    {
        var level = roots;
        var pastMasks = roots.Select(_ => Enumerable.Repeat(1L, pastLength).ToArray()).ToList();
        IReadOnlyList<OrtValue>? past = entry is null ? null
            : entry.Cache.Select((value, i) => KvRows.CopyRows(value, forward.Signature.Cache[i], new int[roots.Count], pastLength)).ToList();
        var kept = new List<(PrefixNode Node, List<OrtValue> Cache)>();
        try
        {
            while (level.Count > 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var rows = level.Count;
                var (ids, mask, positions, segmentLength) = forward.RightPadOnPast(level.Select((n, r) => (n.Segment, n.Start, pastMasks[r])).ToList());
                var total = pastLength + segmentLength;
                using var step = forward.Run(ids, rows, segmentLength, mask, positions, past, keepPresent: level.Any(n => n.Children.Count > 0));
                KvRows.DisposeAll(past);
                past = null;

                var next = new List<PrefixNode>();
                var parentRows = new List<int>();
                for (var r = 0; r < rows; r++)
                {
                    var node = level[r];
                    var members = node.Sequences.ToList();
                    for (var j = 1; j < node.Segment.Count; j++)
                    {
                        var value = step.LogSoftmaxAt(r, j - 1, segmentLength, node.Segment[j]);
                        members.ForEach(i => logProbs[i][node.Start + j] = value);
                    }

                    foreach (var child in node.Children)
                    {
                        var value = step.LogSoftmaxAt(r, node.Segment.Count - 1, segmentLength, child.Segment[0]);
                        child.Sequences.ToList().ForEach(i => logProbs[i][child.Start] = value);
                        next.Add(child);
                        parentRows.Add(r);
                    }

                    if (level == roots && node.Children.Count > 0 && node.Start + node.Segment.Count >= minShared)
                    {
                        kept.Add((node, step.Present.Select((value, i) => KvRows.CopyRows(value, forward.Signature.Cache[i], [r], node.Start + node.Segment.Count)).ToList()));
                    }
                }

                if (next.Count > 0)
                {
                    var gather = parentRows.ToArray();
                    past = step.Present.Select((value, i) => KvRows.CopyRows(value, forward.Signature.Cache[i], gather, total)).ToList();
                    pastMasks = parentRows.Select(r => mask[(r * total)..((r + 1) * total)]).ToList();
                }

                level = next;
                pastLength = total;
            }

            var prefixes = kept.Select(k =>
            {
                var length = k.Node.Start + k.Node.Segment.Count;
                var member = k.Node.Sequences.First();
                return new CachedPrefix(sequences[member].Take(length).ToArray(), logProbs[member][..length], k.Cache, k.Cache.Sum(KvRows.SizeInBytes));
            }).ToList();
            kept.Clear();
            return prefixes;
        }
        finally
        {
            KvRows.DisposeAll(past);
            kept.ForEach(k => KvRows.DisposeAll(k.Cache));
        }
    }
}
