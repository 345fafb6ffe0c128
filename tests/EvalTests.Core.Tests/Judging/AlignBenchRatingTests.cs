using EvalTests.Judging;

namespace EvalTests.Core.Tests.Judging;

/// <summary>AlignBench judge replies, read as OpenCompass's post_process_alignbench reads them.</summary>
public sealed class AlignBenchRatingTests
{
    [Fact]
    public void TheLastBraceBlock_GivesTheDimensionsAndTheOverallScore()
    {
        var reply = "助手的回答大体正确，例如 {'事实正确性': 3} 这样的写法只是举例。\n最终打分：{'事实正确性': 7, '满足用户需求': 8, '清晰度': 6, '完备性': 7, '综合得分': 7}";

        var rating = AlignBenchRating.Parse(reply);

        Assert.NotNull(rating);
        Assert.Equal(7, rating.Score);
        Assert.Equal(7, rating.Dimensions["事实正确性"]);
        Assert.Equal(5, rating.Dimensions.Count);
    }

    [Fact]
    public void WithoutABlock_TheFreeTextOfAQuestionType_IsScannedPerDimension_AndTheLastNumberIsTheOverallScore()
    {
        var rating = AlignBenchRating.Parse("事实正确性：基本正确，得分 6\n满足用户需求：5分\n清晰度：7\n完备性：4\n综上，综合得分为5");

        Assert.NotNull(rating);
        Assert.Equal(5, rating.Score);
        Assert.Equal(6, rating.Dimensions["事实正确性"]);
        Assert.Equal(4, rating.Dimensions["完备性"]);
    }

    [Theory]
    [InlineData("事实正确性: 6\n满足用户需求：5\n综合得分: 5.5")]           // names no question type's dimensions
    [InlineData("清晰度：很好\n完备性：不足\n没有分数\n")]                   // a type, but no number anywhere
    [InlineData("清晰度：很好\n完备性：4\n综合得分 7\n")]                    // the type's other dimensions have no score
    public void FreeTextWithoutEveryDimensionScored_IsNotARating(string reply)
    {
        Assert.Null(AlignBenchRating.Parse(reply));
    }

    [Theory]
    [InlineData("我无法评价这个回答。")]                                         // no score at all
    [InlineData("{'事实正确性': 7, '满足用户需求': 8}")]                            // no overall score
    [InlineData("{'事实正确性': 12, '综合得分': 7}")]                               // a dimension above 10
    [InlineData("{'文采': 9, '综合得分': 7}")]                                      // a dimension AlignBench does not have
    [InlineData("Rating: [[8]]")]                                                   // MT-Bench's format, not AlignBench's
    public void AReplyWithoutAValidRating_IsNotARating(string reply)
    {
        Assert.Null(AlignBenchRating.Parse(reply));
    }

    [Fact]
    public void FullWidthDigits_AreScoresAsPythonsIntReadsThem()
    {
        var rating = AlignBenchRating.Parse("{'事实正确性': ８, '满足用户需求': ６, '清晰度': ７, '完备性': ５, '综合得分': ７}");

        Assert.Equal(7.0, rating?.Score);
        Assert.Equal(8.0, rating!.Dimensions["事实正确性"]);
    }

    [Fact]
    public void ABlockSplitOverLines_IsNotABlock_AsPythonsDotStopsAtNewlines()
    {
        // The braces span two lines, so only the free-text scan applies, and it finds the overall score after the colon.
        var rating = AlignBenchRating.Parse("{'事实正确性': 4,\n'综合得分': 3}");

        Assert.Null(rating);
    }
}
