using EvalTests.Datasets;
using EvalTests.Runs;

namespace EvalTests.Core.Tests.Runs;

public sealed class RunPlanShardTests
{
    private static readonly RunPlan Plan = RunPlan.Create(DatasetCatalog.Default, ["ceval_gen", "cmmlu_ppl"]);

    private static int Size(EvaluationTask task) => task.Subset.Name.Length * 7 % 23 + 1;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(5)]
    public void Shards_AreDisjointAndTogetherAreThePlanInReportOrder(int count)
    {
        var shards = Enumerable.Range(1, count).Select(i => Plan.Shard(i, count, Size)).ToList();

        var all = shards.SelectMany(s => s.Tasks).ToList();
        Assert.Equal(Plan.Tasks.Count, all.Count);
        Assert.Equal(Plan.Tasks.ToHashSet(), all.ToHashSet());
        Assert.All(shards, s => Assert.Equal(Plan.Tasks.Where(s.Tasks.Contains), s.Tasks));
        Assert.All(shards, s => Assert.Equal(Plan.Groups, s.Groups));
    }

    [Fact]
    public void TheSplit_IsTheSameEveryTimeAndBalancedBySize()
    {
        var first = Plan.Shard(2, 3, Size).Tasks.Select(t => t.Abbr).ToList();
        var again = RunPlan.Create(DatasetCatalog.Default, ["ceval_gen", "cmmlu_ppl"]).Shard(2, 3, Size).Tasks.Select(t => t.Abbr).ToList();
        Assert.Equal(first, again);

        var loads = Enumerable.Range(1, 3).Select(i => Plan.Shard(i, 3, Size).Tasks.Sum(Size)).ToList();
        Assert.True(loads.Max() - loads.Min() <= Plan.Tasks.Max(Size), string.Join(", ", loads));
    }

    [Fact]
    public void AShardIndexOutside1ToN_IsRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Plan.Shard(0, 2, Size));
        Assert.Throws<ArgumentOutOfRangeException>(() => Plan.Shard(3, 2, Size));
    }
}
