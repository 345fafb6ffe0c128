using EvalTests.Datasets;
using EvalTests.Judging;

namespace EvalTests.Core.Tests.Judging;

/// <summary>Single-score judge replies, read as OpenCompass's post_process_autoj and post_process_mtbench_single read them.</summary>
public sealed class RatingFormatTests
{
    [Theory]
    [InlineData("回应准确。评分: [[8]]", 8.0)]
    [InlineData("[[8]]", 8.0)]
    [InlineData("Rating: [[6]]", 6.0)]
    [InlineData("[7]", 7.0)]
    [InlineData("[[9]] at first, but on reflection [[2]]", 9.0)] // the first bracketed number counts
    [InlineData("[[85]]", 85.0)]                                 // upstream checks no range
    [InlineData("评分: [[８]]", 8.0)]                             // Python's \d and int() take full-width digits
    [InlineData("[[٧]]", 7.0)]                                   // and every other script's
    public void AutoJ_TheFirstBracketedIntegerIsTheScore(string reply, double expected)
    {
        var rating = RatingReader.Parse(RatingFormat.AutoJ, reply);

        Assert.Equal(expected, rating?.Score);
        Assert.Empty(rating!.Dimensions);
    }

    [Theory]
    [InlineData("评分：七分")]
    [InlineData("[[8.5]]")]
    [InlineData("")]
    public void AutoJ_AReplyWithoutABracketedIntegerIsUnparsed(string reply)
    {
        Assert.Null(RatingReader.Parse(RatingFormat.AutoJ, reply));
    }

    [Theory]
    [InlineData("The answer is helpful. Rating: [[8]]", 8.0)]
    [InlineData("Rating:[[7.5]]", 7.5)]
    [InlineData("Rating: \n[[3]] and later Rating: [[9]]", 3.0)]
    [InlineData("Rating: [[８]]", 8.0)]                          // float('８') == 8.0
    [InlineData("Rating: [[８.５]]", 8.5)]
    public void MtBench_TheFirstRatingInDoubleBracketsIsTheScore(string reply, double expected)
    {
        Assert.Equal(expected, RatingReader.Parse(RatingFormat.MtBench, reply)?.Score);
    }

    [Theory]
    [InlineData("[[8]]")]            // MT-Bench's pattern needs the "Rating:" label
    [InlineData("rating: [[8]]")]
    [InlineData("Rating: [8]")]
    [InlineData("Rating: [[.]]")]
    public void MtBench_AReplyWithoutRatingInDoubleBracketsIsUnparsed(string reply)
    {
        Assert.Null(RatingReader.Parse(RatingFormat.MtBench, reply));
    }

    [Fact]
    public void AlignBench_IsTheDefaultFormat_ReadingTheDimensionDict()
    {
        var rating = RatingReader.Parse(new JudgeSpec { Kind = JudgeKind.Rating, Template = [] }.RatingFormat, "{'事实正确性': 7, '综合得分': 6}");

        Assert.Equal(6.0, rating?.Score);
        Assert.Equal(7.0, rating!.Dimensions["事实正确性"]);
    }
}
