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
