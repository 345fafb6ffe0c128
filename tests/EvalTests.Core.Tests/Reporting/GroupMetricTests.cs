using EvalTests.Reporting;
using EvalTests.Scoring;

namespace EvalTests.Core.Tests.Reporting;

/// <summary>OpenCompass's group metrics, on two members scoring 50 and 20; expected values worked out by hand.</summary>
public sealed class GroupMetricTests
{
    private static readonly DatasetScore[] Members =
    [
        new("a", "v1", "gen", "accuracy", new SubsetScore(5, 5, 0, 0)),
        new("b", "v2", "gen", "accuracy", new SubsetScore(2, 8, 0, 0)),
    ];

    private static SummaryRow Row(SummaryGroup group, params DatasetScore[] members) =>
        Summary.Build("m", ["a", "b"], members.Length > 0 ? members : Members, [group]).Rows.Single(r => r.Dataset == group.Name);

    [Fact]
    public void NaiveAverage_IsTheMeanOfTheScores() =>
        Assert.Equal(35, Row(new SummaryGroup("g", ["a", "b"])).Scores[0]!.Value, 12);

    [Fact]
    public void WeightedAverage_DividesByEveryWeight()
    {
        // (50·3 + 20·1) / (3 + 1) = 42.5
        var row = Row(new SummaryGroup("g", ["a", "b"]) { Metric = GroupMetric.WeightedAverage, Weights = new Dictionary<string, double> { ["a"] = 3, ["b"] = 1 } });

        Assert.Equal("weighted_average", row.Metric);
        Assert.Equal(42.5, row.Scores[0]!.Value, 12);
    }

    [Fact]
    public void WeightedAverage_WithAZeroWeight_StillCountsItInTheDenominator()
    {
        // (50·2) / (2 + 0) = 50: the zero weight leaves b's score out of the numerator only.
        var row = Row(new SummaryGroup("g", ["a", "b"]) { Metric = GroupMetric.WeightedAverage, Weights = new Dictionary<string, double> { ["a"] = 2, ["b"] = 0 } });

        Assert.Equal(50, row.Scores[0]!.Value, 12);
    }

    [Fact]
    public void Sum_AddsTheScores() =>
        Assert.Equal(70, Row(new SummaryGroup("g", ["a", "b"]) { Metric = GroupMetric.Sum }).Scores[0]!.Value, 12);

    [Fact]
    public void HarmonicMean_IsNOverTheSumOfReciprocals()
    {
        // 2 / (1/50 + 1/20) = 2 / 0.07
        Assert.Equal(2 / 0.07, Row(new SummaryGroup("g", ["a", "b"]) { Metric = GroupMetric.HarmonicMean }).Scores[0]!.Value, 10);
    }

    [Fact]
    public void HarmonicMean_WithAZeroScore_TakesEachScoreAsAtLeastOne()
    {
        // a scores 0: 2 / (1/max(0,1) + 1/max(20,1)) = 2 / 1.05
        var zero = new DatasetScore("a", "v1", "gen", "accuracy", new SubsetScore(0, 10, 0, 0));

        Assert.Equal(2 / 1.05, Row(new SummaryGroup("g", ["a", "b"]) { Metric = GroupMetric.HarmonicMean }, zero, Members[1]).Scores[0]!.Value, 10);
    }

    [Fact]
    public void StandardDeviation_IsThePopulationOne()
    {
        // mean 35, deviations ±15: sqrt((225 + 225) / 2) = 15
        var row = Row(new SummaryGroup("g", ["a", "b"]) { Metric = GroupMetric.StandardDeviation });

        Assert.Equal("standard_deviation", row.Metric);
        Assert.Equal(15, row.Scores[0]!.Value, 12);
        Assert.Null(row.StandardErrors[0]);
    }

    [Fact]
    public void GroupsFile_ReadsOpenCompassEntries_AndNamesTheFieldOfAMistake()
    {
        var groups = SummaryGroupsJson.Parse("""
            [ { "name": "w", "subsets": ["a", "b"], "weights": { "a": 3, "b": 1 } },
              { "name": "s", "subsets": ["a", "b"], "sum": true, "weights": { "a": 1 } },
              { "name": "n", "subsets": ["a"] } ]
            """, "groups.json");

        Assert.Equal([GroupMetric.WeightedAverage, GroupMetric.Sum, GroupMetric.NaiveAverage], groups.Select(g => g.Metric));
        var error = Assert.Throws<InvalidDataException>(() => SummaryGroupsJson.Parse("""[ { "name": "w", "subsets": ["a"], "weights": { "c": 1 } } ]""", "groups.json"));
        Assert.Equal("groups.json: $[0].weights.c: expected one of the group's subsets (a).", error.Message);
    }
}
