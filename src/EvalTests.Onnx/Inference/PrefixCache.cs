using Microsoft.ML.OnnxRuntime;

namespace EvalTests.Onnx.Inference;

/// <summary>A prefix kept between calls: its tokens, their log-probabilities when it was scored, and its KV cache (batch of one).</summary>
internal sealed class CachedPrefix(IReadOnlyList<int> tokens, double[]? logProbs, IReadOnlyList<OrtValue> cache, long bytes) : IDisposable
{
    public IReadOnlyList<int> Tokens { get; } = tokens;

    /// <summary>
    /// log p(token t | tokens before t) at index t (index 0 has none); null for a prefix kept by generation, which reads
    /// no more than the last position's logits.
    /// </summary>
    public double[]? LogProbs { get; } = logProbs;

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
    /// The entry sharing the most leading tokens with a sequence, and how many (fewer than the sequence has); scoring
    /// needs the entry's log-probabilities (<paramref name="scored"/>), generation only its cache.
    /// </summary>
    public (CachedPrefix Entry, int Shared)? Match(IReadOnlyList<int> sequence, int minShared, bool scored)
    {
        (CachedPrefix Entry, int Shared)? best = null;
        for (var node = _entries.First; node is not null; node = node.Next)
        {
            if (scored && node.Value.LogProbs is null)
            {
                continue;
            }

            var shared = Math.Min(PrefixTree.CommonPrefix(node.Value.Tokens, sequence), sequence.Count - 1);
            if (shared >= minShared && shared > (best?.Shared ?? 0))
            {
                best = (node.Value, shared);
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
    /// Keeps a prefix; one it extends is dropped, as every match of the old one is a match of the new one (unless only
    /// the old one has log-probabilities to offer scoring).
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
            if (PrefixTree.CommonPrefix(node.Value.Tokens, entry.Tokens) == node.Value.Tokens.Count && (entry.LogProbs is not null || node.Value.LogProbs is null))
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
