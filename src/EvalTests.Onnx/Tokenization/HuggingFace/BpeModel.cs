using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace EvalTests.Onnx.Tokenization.HuggingFace;

/// <summary>The options of a tokenizer.json <c>model</c> of type BPE.</summary>
internal sealed record BpeSettings(
    string? UnknownToken,
    string? ContinuingSubwordPrefix,
    string? EndOfWordSuffix,
    bool FuseUnknown,
    bool ByteFallback,
    bool IgnoreMerges);

/// <summary>
/// Hugging Face's BPE model: a word starts as its characters (or their <c>&lt;0xXX&gt;</c> byte tokens under byte
/// fallback, or the unknown token), then the adjacent pair with the lowest merge rank is merged, leftmost first,
/// until no pair has a merge.
/// </summary>
internal sealed class BpeModel
{
    private const int CacheableLength = 256;
    private const int CacheCapacity = 10_000;

    private readonly Dictionary<string, int> _vocabulary;
    private readonly string[] _tokensById;
    private readonly Dictionary<(int Left, int Right), (int Rank, int Merged)> _merges;
    private readonly BpeSettings _settings;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _vocabularyBySpan;
    private readonly int[]? _byteTokens;
    private readonly ConcurrentDictionary<string, int[]> _cache = new(StringComparer.Ordinal);

    public BpeModel(Dictionary<string, int> vocabulary, IReadOnlyList<(string Left, string Right)> merges, BpeSettings settings, Func<string, Exception> error)
    {
        _vocabulary = vocabulary;
        _vocabularyBySpan = vocabulary.GetAlternateLookup<ReadOnlySpan<char>>();
        _byteTokens = ByteTokenIds(vocabulary, settings.ByteFallback);
        _settings = settings;
        _tokensById = new string[vocabulary.Count == 0 ? 0 : vocabulary.Values.Max() + 1];
        foreach (var (token, id) in vocabulary)
        {
            _tokensById[id] = token;
        }

        var prefixLength = settings.ContinuingSubwordPrefix?.Length ?? 0;
        _merges = new Dictionary<(int, int), (int, int)>(merges.Count);
        for (var rank = 0; rank < merges.Count; rank++)
        {
            var (left, right) = merges[rank];
            if (!vocabulary.TryGetValue(left, out var leftId) || !vocabulary.TryGetValue(right, out var rightId))
            {
                throw error($"model.merges[{rank}] (\"{left} {right}\") names a token that is not in model.vocab");
            }

            var merged = left + (prefixLength > 0 && right.StartsWith(settings.ContinuingSubwordPrefix!, StringComparison.Ordinal) ? right[prefixLength..] : right);
            if (!vocabulary.TryGetValue(merged, out var mergedId))
            {
                throw error($"model.merges[{rank}] (\"{left} {right}\") makes \"{merged}\", which is not in model.vocab");
            }

            _merges.TryAdd((leftId, rightId), (rank, mergedId));
        }

        if (settings.UnknownToken is { } unknown && !vocabulary.ContainsKey(unknown))
        {
            throw error($"model.unk_token \"{unknown}\" is not in model.vocab");
        }
    }

    /// <summary>A merge written as text (<c>"a b"</c>), split at its first space; null when it has none.</summary>
    public static (string Left, string Right)? SplitMerge(string merge)
    {
        var space = merge.IndexOf(' ', StringComparison.Ordinal);
        return space > 0 ? (merge[..space], merge[(space + 1)..]) : null;
    }

    public int? IdOf(string token) => _vocabulary.TryGetValue(token, out var id) ? id : null;

    public string? TokenOf(int id) => id >= 0 && id < _tokensById.Length ? _tokensById[id] : null;

    /// <summary>Appends the ids of one pre-tokenized word.</summary>
    public void Tokenize(string word, List<int> ids)
    {
        if (word.Length == 0)
        {
            return;
        }

        if (_settings.IgnoreMerges && _vocabulary.TryGetValue(word, out var whole))
        {
            ids.Add(whole);
            return;
        }

        if (word.Length < CacheableLength && _cache.TryGetValue(word, out var cached))
        {
            ids.AddRange(cached);
            return;
        }

        var merged = Merge(Symbols(word));
        if (word.Length < CacheableLength && _cache.Count < CacheCapacity)
        {
            _cache.TryAdd(word, merged);
        }

        ids.AddRange(merged);
    }

    private List<int> Symbols(string word)
    {
        var symbols = new List<int>(word.Length);
        int? unknown = null;
        var affixed = _settings.ContinuingSubwordPrefix is { Length: > 0 } || _settings.EndOfWordSuffix is { Length: > 0 };
        Span<char> chars = stackalloc char[2];
        Span<byte> utf8 = stackalloc byte[4];
        for (var at = 0; at < word.Length;)
        {
            Rune.DecodeFromUtf16(word.AsSpan(at), out var rune, out var used);
            var first = at == 0;
            at += used;
            // Without a prefix or suffix a character is looked up as it is, with nothing allocated: most of a prompt.
            var piece = affixed ? Affixed(rune.ToString(), first, last: at == word.Length) : null;
            var pieceChars = piece is null ? chars[..rune.EncodeToUtf16(chars)] : piece.AsSpan();
            if (_vocabularyBySpan.TryGetValue(pieceChars, out var id))
            {
                if (unknown is { } pending)
                {
                    symbols.Add(pending);
                    unknown = null;
                }

                symbols.Add(id);
                continue;
            }

            if (_byteTokens is { } byteTokens && AddByteTokens(piece is null ? utf8[..rune.EncodeToUtf8(utf8)] : Encoding.UTF8.GetBytes(piece), byteTokens, symbols))
            {
                continue;
            }

            if (_settings.UnknownToken is { } unk)
            {
                // fuse_unk: a run of unknown characters is one unknown token.
                if (unknown is { } pending && !_settings.FuseUnknown)
                {
                    symbols.Add(pending);
                }

                unknown = _vocabulary[unk];
            }
        }

        if (unknown is { } last)
        {
            symbols.Add(last);
        }

        return symbols;
    }

    /// <summary>A character with the continuing-subword prefix (not on a word's first) and the end-of-word suffix (on its last).</summary>
    private string Affixed(string piece, bool first, bool last)
    {
        if (!first && _settings.ContinuingSubwordPrefix is { Length: > 0 } prefix)
        {
            piece = prefix + piece;
        }

        return last && _settings.EndOfWordSuffix is { Length: > 0 } suffix ? piece + suffix : piece;
    }

    /// <summary>The ids of the <c>&lt;0xXX&gt;</c> tokens (-1 where the vocabulary lacks one), or null without byte fallback.</summary>
    private static int[]? ByteTokenIds(Dictionary<string, int> vocabulary, bool byteFallback) => !byteFallback ? null
        : [.. Enumerable.Range(0, 256).Select(b => vocabulary.TryGetValue(string.Create(CultureInfo.InvariantCulture, $"<0x{b:X2}>"), out var id) ? id : -1)];

    // Every UTF-8 byte as its <0xXX> token; nothing is added when the vocabulary lacks one of them.
    private static bool AddByteTokens(ReadOnlySpan<byte> bytes, int[] byteTokens, List<int> symbols)
    {
        foreach (var b in bytes)
        {
            if (byteTokens[b] < 0)
            {
                return false;
            }
        }

        foreach (var b in bytes)
        {
            symbols.Add(byteTokens[b]);
        }

        return true;
    }

    /// <summary>Merges the lowest-ranked adjacent pair (leftmost on a tie) until none has a merge, as HF's Word::merge_all.</summary>
    private int[] Merge(List<int> symbols)
    {
        var count = symbols.Count;
        if (count < 2)
        {
            return [.. symbols];
        }

        var ids = symbols.ToArray();
        var previous = new int[count];
        var next = new int[count];
        var removed = new bool[count];
        for (var i = 0; i < count; i++)
        {
            previous[i] = i - 1;
            next[i] = i + 1 < count ? i + 1 : -1;
        }

        var queue = new PriorityQueue<(int Position, int Merged), (int Rank, int Position)>();
        for (var i = 0; i + 1 < count; i++)
        {
            if (_merges.TryGetValue((ids[i], ids[i + 1]), out var merge))
            {
                queue.Enqueue((i, merge.Merged), (merge.Rank, i));
            }
        }

        while (queue.TryDequeue(out var top, out _))
        {
            var position = top.Position;
            if (removed[position] || next[position] < 0)
            {
                continue;
            }

            var right = next[position];
            // A stale entry: one of the pair has been merged since it was queued.
            if (!_merges.TryGetValue((ids[position], ids[right]), out var current) || current.Merged != top.Merged)
            {
                continue;
            }

            ids[position] = top.Merged;
            removed[right] = true;
            next[position] = next[right];
            if (next[right] >= 0)
            {
                previous[next[right]] = position;
            }

            if (previous[position] >= 0 && _merges.TryGetValue((ids[previous[position]], ids[position]), out var withPrevious))
            {
                queue.Enqueue((previous[position], withPrevious.Merged), (withPrevious.Rank, previous[position]));
            }

            if (next[position] >= 0 && _merges.TryGetValue((ids[position], ids[next[position]]), out var withNext))
            {
                queue.Enqueue((position, withNext.Merged), (withNext.Rank, position));
            }
        }

        var result = new List<int>(count);
        for (var i = 0; i < count; i++)
        {
            if (!removed[i])
            {
                result.Add(ids[i]);
            }
        }

        return [.. result];
    }
}
