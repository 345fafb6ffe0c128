using Microsoft.ML.OnnxRuntime;

namespace EvalTests.Onnx.Inference;

/// <summary>A prefix kept between calls: its tokens, their log-probabilities when it was scored, and its KV cache (batch of one).</summary>
internal sealed class CachedPrefix(IReadOnlyList<int> tokens, double[]? logProbs, IReadOnlyList<OrtValue> cache, long bytes, double[]? nextLogProbs = null) : IDisposable
{
    public IReadOnlyList<int> Tokens { get; } = tokens;

    /// <summary>
    /// log p(token t | tokens before t) at index t (index 0 has none); null for a prefix kept by generation, which reads
    /// no more than the last position's logits.
    /// </summary>
    public double[]? LogProbs { get; } = logProbs;

    /// <summary>
    /// The log-softmax after the prefix's last token, when scoring kept it: a sequence that continues the whole prefix
    /// then starts on its cache as it is, with nothing run again, and reads its next token's log-probability here.
    /// </summary>
    public double[]? NextLogProbs { get; } = nextLogProbs;

    /// <summary>One tensor per KV slot of the decoder, holding every token of the prefix.</summary>
    public IReadOnlyList<OrtValue> Cache { get; } = cache;

    public long Bytes { get; } = bytes;

    public void Dispose()
    {
        foreach (var value in Cache)
        {
            value.Dispose();
        }
    }
}

/// <summary>Where a group of sequences starts: a kept prefix and how many tokens they share with it, or nothing.</summary>
internal readonly record struct PrefixStart(CachedPrefix? Entry, int Shared);

/// <summary>
/// The KV caches of prefixes recent calls ran (a subject's few-shot examples, a question's prompt), so the next call that
/// starts with one runs only what follows it: scoring shares them between its sequences, generation between its batches. Least recently used entries go first once the
/// entry count or the byte budget is passed.
/// </summary>
internal sealed class PrefixCache(int maxEntries, long maxBytes) : IDisposable
{
    private readonly LinkedList<CachedPrefix> _entries = new();

    /// <summary>The kept prefixes' token counts, most recently used first (for tests).</summary>
    public IReadOnlyList<int> Lengths => _entries.Select(e => e.Tokens.Count).ToList();

    /// <summary>How many sequences started from a cached prefix, for tests and benchmarks.</summary>
    public long Hits { get; private set; }

    /// <summary>
    /// Copying a position's keys and values costs about this many times less than running it (measured ~50 on
    /// llama-6M-random on CPU; a larger model computes more per position than it stores, so copying is cheaper still).
    /// </summary>
    private const int CopiesPerRunPosition = 64;

    /// <summary>
    /// The entry that saves a sequence the most work, and how many leading tokens they share (fewer than the sequence
    /// has). Generation needs only an entry's cache; scoring needs its log-probabilities (<paramref name="scored"/>), and
    /// saves every shared position of an entry it continues whole (with its <see cref="CachedPrefix.NextLogProbs"/>), one
    /// fewer of any other (the last shared token runs again for its logits). Continuing part of an entry copies that
    /// part's cache, counted as one position run per <see cref="CopiesPerRunPosition"/> copied (rounded up): an entry
    /// continued whole wins over a slightly longer one that needs a copy.
    /// </summary>
    public (CachedPrefix Entry, int Shared)? Match(IReadOnlyList<int> sequence, int minShared, bool scored)
    {
        (CachedPrefix Entry, int Shared)? best = null;
        var bestSaved = 0;
        for (var node = _entries.First; node is not null; node = node.Next)
        {
            if (scored && node.Value.LogProbs is null)
            {
                continue;
            }

            var shared = Math.Min(PrefixTree.CommonPrefix(node.Value.Tokens, sequence), sequence.Count - 1);
            var whole = scored ? IsWhole(node.Value, shared) : shared == node.Value.Tokens.Count;
            var saved = whole ? shared : shared - (scored ? 1 : 0) - 1 - (shared / CopiesPerRunPosition);
            // On a tie, the entry continued whole: it needs no copy.
            if (shared >= minShared && (saved > bestSaved || (saved == bestSaved && whole)))
            {
                (best, bestSaved) = ((node.Value, shared), saved);
            }
        }

        if (best is { } hit)
        {
            Hits++;
            _entries.Remove(hit.Entry);
            _entries.AddFirst(hit.Entry);
        }

        return best;
    }

    /// <summary>
    /// The sequences grouped by where each starts: the kept prefix that saves it the most (see <see cref="Match"/>) and
    /// how many tokens it shares with it, or nothing.
    /// </summary>
    public List<IGrouping<PrefixStart, int>> GroupByStart(IReadOnlyList<IReadOnlyList<int>> sequences, int minShared, bool scored) =>
        [.. Enumerable.Range(0, sequences.Count)
            .GroupBy(i => Match(sequences[i], minShared, scored) is { } hit ? new PrefixStart(hit.Entry, hit.Shared) : new PrefixStart(null, 0))];

    /// <summary>
    /// Whether a top node of a group's prefix tree is worth keeping for later calls: long enough, and a later call may
    /// continue it — what sequences starting fresh share (a subject's shots), or a node alone in its tree (a question
    /// whose options did not fit in this call; a prompt asked alone, whose shots the subject's next prompt starts from).
    /// Nodes that continue a kept prefix together are complete here: keeping them would only push the shots out.
    /// </summary>
    public static bool KeepsTopNode(PrefixNode root, int roots, PrefixStart start, int minShared) =>
        root.Start + root.Segment.Count >= minShared && (roots == 1 || (start.Entry is null && root.Children.Count > 0));

    /// <summary>Whether some kept prefix shares at least <paramref name="minShared"/> leading tokens with <paramref name="sequence"/>.</summary>
    public bool Continues(IReadOnlyList<int> sequence, int minShared) =>
        _entries.Any(entry => PrefixTree.CommonPrefix(entry.Tokens, sequence) >= minShared);

    /// <summary>Whether scoring continues <paramref name="entry"/> whole when a sequence shares <paramref name="shared"/> tokens with it.</summary>
    public static bool IsWhole(CachedPrefix entry, int shared) => shared == entry.Tokens.Count && entry.NextLogProbs is not null;

    /// <summary>
    /// Keeps a prefix, in place of one of the same tokens that offers nothing it does not (log-probabilities for scoring,
    /// the next log-softmax). A shorter prefix it extends stays: a sequence that continues that one whole needs no copy.
    /// </summary>
    public void Add(CachedPrefix entry)
    {
        if (entry.Bytes > maxBytes)
        {
            entry.Dispose();
            return;
        }

        for (var node = _entries.First; node is not null;)
        {
            var next = node.Next;
            var old = node.Value;
            if (old.Tokens.Count == entry.Tokens.Count && PrefixTree.CommonPrefix(old.Tokens, entry.Tokens) == old.Tokens.Count
                && (entry.LogProbs is not null || old.LogProbs is null)
                && (old.NextLogProbs is null || entry.NextLogProbs is not null))
            {
                _entries.Remove(node);
                node.Value.Dispose();
            }

            node = next;
        }

        _entries.AddFirst(entry);
        while (_entries.Count > maxEntries || _entries.Sum(e => e.Bytes) > maxBytes)
        {
            var last = _entries.Last!;
            _entries.RemoveLast();
            last.Value.Dispose();
        }
    }

    public void Clear()
    {
        foreach (var entry in _entries)
        {
            entry.Dispose();
        }

        _entries.Clear();
    }

    public void Dispose() => Clear();
}
