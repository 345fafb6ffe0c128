using EvalTests.Onnx.Inference;

namespace EvalTests.Onnx.Tests;

/// <summary>The prefix tree decides what scoring runs once; its shape is the plan of the forward passes.</summary>
public sealed class PrefixTreeTests
{
    private static int[] Run(int from, int count) => Enumerable.Range(from, count).ToArray();

    private static int[] Join(params int[][] parts) => parts.SelectMany(p => p).ToArray();

    [Fact]
    public void FewShotQuestionsWithOptions_BecomeShotsThenQuestionsThenOptions()
    {
        var shots = Run(1000, 40);
        var first = Run(2000, 20);
        var second = Run(3000, 20);
        IReadOnlyList<int>[] sequences =
        [
            Join(shots, first, [7]), Join(shots, second, [8]), Join(shots, first, [8]), Join(shots, second, [7]),
        ];

        var roots = PrefixTree.Build(sequences, [0, 1, 2, 3], 0, minShared: 16);

        var root = Assert.Single(roots);
        Assert.Equal(shots, root.Segment);
        Assert.Equal(2, root.Children.Count);
        var question = root.Children.Single(c => c.Segment[0] == 2000);
        Assert.Equal(40, question.Start);
        Assert.Equal(first, question.Segment);
        Assert.Equal([[7], [8]], question.Children.Select(c => c.Segment.ToArray()).OrderBy(s => s[0]));
        Assert.Equal([0, 2], question.Sequences.Order());
    }

    [Fact]
    public void ASharedRunShorterThanTheMinimum_IsRunAgainByEachBranch()
    {
        IReadOnlyList<int>[] sequences = [Join(Run(1, 5), Run(100, 30)), Join(Run(1, 5), Run(200, 30))];

        var roots = PrefixTree.Build(sequences, [0, 1], 0, minShared: 16);

        Assert.Equal(2, roots.Count);
        Assert.All(roots, r => Assert.Equal(35, r.Segment.Count));
        Assert.All(roots, r => Assert.Empty(r.Children));
    }

    [Fact]
    public void ASequenceThatIsAPrefixOfAnother_EndsAtTheSharedNode()
    {
        IReadOnlyList<int>[] sequences = [Run(1, 20), Join(Run(1, 20), [99, 98]), Join(Run(1, 20), [97])];

        var roots = PrefixTree.Build(sequences, [0, 1, 2], 0, minShared: 16);

        var root = Assert.Single(roots);
        Assert.Equal([0], root.Ends);
        Assert.Equal(2, root.Children.Count);
    }

    [Fact]
    public void MembersSharingAKeptPrefix_AreBuiltFromWhereItEnds()
    {
        IReadOnlyList<int>[] sequences = [Join(Run(1, 30), [5, 6]), Join(Run(1, 30), [5, 7])];

        var roots = PrefixTree.Build(sequences, [0, 1], 29, minShared: 16);

        Assert.Equal(2, roots.Count);
        Assert.All(roots, r => Assert.Equal(29, r.Start));
        Assert.Equal([[30, 5, 6], [30, 5, 7]], roots.Select(r => r.Segment.ToArray()));
    }
}
