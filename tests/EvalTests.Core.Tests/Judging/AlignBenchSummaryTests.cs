using EvalTests.Judging;

namespace EvalTests.Core.Tests.Judging;

/// <summary>The AlignBench summary, computed as OpenCompass's AlignmentBenchSummarizer computes it.</summary>
public sealed class AlignBenchSummaryTests
{
    private static Rating Rated(double overall, double facts) => new(overall, new Dictionary<string, double> { ["综合得分"] = overall, ["事实正确性"] = facts });

    [Fact]
    public void CategoriesFamiliesAndTotal_AreMeansOfRoundedMeans_WithAbsentCategoriesAsZero()
    {
        (string, Rating?)[] judged =
        [
            ("数学计算", Rated(7, 6)), ("数学计算", Rated(8, 8)), ("数学计算", Rated(8, 7)), // 7.666… → 7.67
            ("逻辑推理", Rated(5, 5)),
            ("基本任务", Rated(9, 9)), ("中文理解", Rated(6, 4)),
            ("文本写作", null),                                                                // unparsed: left out
        ];

        var summary = AlignBenchSummary.From(judged);

        Assert.Equal(7.67, summary.Capabilities["数学计算"]);
        Assert.Equal(5, summary.Capabilities["逻辑推理"]);
        Assert.Equal(6.33, summary.Capabilities["中文推理总分"]);   // (7.67 + 5) / 2 is 6.33499… in binary: Python's round gives 6.33
        Assert.Equal(0, summary.Capabilities["文本写作"]);           // no rated answer: 0, as OpenCompass's defaultdict
        Assert.Equal(2.5, summary.Capabilities["中文语言总分"]);     // (9 + 6 + 0 × 4) / 6
        Assert.Equal(4.42, summary.Capabilities["总分"]);           // (6.33 + 2.5) / 2 is 4.41500…04: 4.42
        Assert.Equal(6.5, summary.Dimensions["事实正确性"]);        // (6 + 8 + 7 + 5 + 9 + 4) / 6
        Assert.Equal((6, 1), (summary.Rated, summary.Unparsed));
    }
}
