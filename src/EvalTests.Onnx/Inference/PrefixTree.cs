using System.Diagnostics;

namespace EvalTests.Onnx.Inference;

/// <summary>
/// A node of a prefix tree over token sequences: a run of tokens that every sequence below it shares. Scoring runs a
/// node once and lets its children continue from its KV cache.
/// </summary>
internal sealed class PrefixNode(int start, IReadOnlyList<int> segment)
{
    /// <summary>The number of tokens before this node's segment.</summary>
    public int Start { get; } = start;

    /// <summary>The tokens this node runs.</summary>
    public IReadOnlyList<int> Segment { get; } = segment;

    public List<PrefixNode> Children { get; } = [];

    /// <summary>The sequences that end with this node's last token.</summary>
    public List<int> Ends { get; } = [];

    /// <summary>Every sequence that runs through this node.</summary>
    public IEnumerable<int> Sequences => Ends.Concat(Children.SelectMany(c => c.Sequences));
}

/// <summary>Builds the prefix tree (a radix tree) of the sequences a scoring call gets.</summary>
internal static class PrefixTree
{
    /// <summary>
    /// The top nodes of the tree of <paramref name="members"/>, which share their first <paramref name="start"/> tokens.
    /// A run shared by several sequences becomes a node only when it is at least <paramref name="minShared"/> tokens
    /// long; a shorter one is run again by each branch, as an extra pass would cost more than it saves.
    /// </summary>
    public static List<PrefixNode> Build(IReadOnlyList<IReadOnlyList<int>> sequences, IEnumerable<int> members, int start, int minShared)
    {
        var sorted = members.OrderBy(i => sequences[i], TokenOrder.Instance).ToList();
        var roots = new List<PrefixNode>();
        Place(sequences, sorted, start, minShared, roots);
        return roots;
    }

    private static void Place(IReadOnlyList<IReadOnlyList<int>> sequences, List<int> sorted, int start, int minShared, List<PrefixNode> into)
    {
        if (sorted.Count == 1)
        {
            var only = sequences[sorted[0]];
            Debug.Assert(only.Count > start, "every sequence keeps a token past its shared prefix");
            var leaf = new PrefixNode(start, Slice(only, start, only.Count - start));
            leaf.Ends.Add(sorted[0]);
            into.Add(leaf);
            return;
        }

        // In lexicographic order the longest prefix a run shares is the least one that neighbours share.
        var shared = int.MaxValue;
        for (var k = 1; k < sorted.Count; k++)
        {
            shared = Math.Min(shared, CommonPrefix(sequences[sorted[k - 1]], sequences[sorted[k]], start) - start);
        }

        var branches = sorted.GroupBy(i => sequences[i].Count > start + shared ? sequences[i][start + shared] : -1).ToList();
        if (shared >= minShared)
        {
            var node = new PrefixNode(start, Slice(sequences[sorted[0]], start, shared));
            foreach (var branch in branches)
            {
                if (branch.Key == -1)
                {
                    node.Ends.AddRange(branch);
                }
                else
                {
                    Place(sequences, branch.ToList(), start + shared, minShared, node.Children);
                }
            }

            into.Add(node);
            return;
        }

        foreach (var branch in branches)
        {
            if (branch.Key == -1)
            {
                // Sequences that end within a short shared run: each is scored on its own.
                foreach (var index in branch)
                {
                    Place(sequences, [index], start, minShared, into);
                }
            }
            else
            {
                Place(sequences, branch.ToList(), start, minShared, into);
            }
        }
    }

    /// <summary>The number of leading tokens two sequences share, counting from the start of both.</summary>
    public static int CommonPrefix(IReadOnlyList<int> a, IReadOnlyList<int> b, int from = 0)
    {
        var n = Math.Min(a.Count, b.Count);
        var i = from;
        while (i < n && a[i] == b[i])
        {
            i++;
        }

        return i;
    }

    private static int[] Slice(IReadOnlyList<int> tokens, int start, int count)
    {
        var slice = new int[count];
        for (var i = 0; i < count; i++)
        {
            slice[i] = tokens[start + i];
        }

        return slice;
    }

    /// <summary>Lexicographic order of token sequences, so sequences with a common prefix sort next to each other.</summary>
    private sealed class TokenOrder : IComparer<IReadOnlyList<int>>
    {
        public static readonly TokenOrder Instance = new();

        public int Compare(IReadOnlyList<int>? x, IReadOnlyList<int>? y)
        {
            var n = Math.Min(x!.Count, y!.Count);
            for (var i = 0; i < n; i++)
            {
                if (x[i] != y[i])
                {
                    return x[i].CompareTo(y[i]);
                }
            }

            return x.Count.CompareTo(y.Count);
        }
    }
}
