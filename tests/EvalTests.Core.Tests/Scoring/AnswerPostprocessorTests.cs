using EvalTests.Scoring;

namespace EvalTests.Core.Tests.Scoring;

public sealed class AnswerPostprocessorTests
{
    private static readonly IAnswerPostprocessor FirstCapital = AnswerPostprocessors.Get("first_capital");
    private static readonly IAnswerPostprocessor FirstOption = AnswerPostprocessors.Get("first_option");
    private static readonly IAnswerPostprocessor Corrected = AnswerPostprocessors.Get("first_option_corrected");

    [Theory]
    [InlineData("C", "C")]
    [InlineData("The answer is C", "T")]
    [InlineData("答案是: C", "C")]
    [InlineData("  b) no capitals here", "")]
    [InlineData("", "")]
    [InlineData("选Ⓑ", "Ⓑ")]      // Python's isupper() is true for circled capitals (Other_Uppercase)
    [InlineData("ǅx", "")]         // and false for titlecase letters
    [InlineData("Ⅳ.", "Ⅳ")]       // Roman numerals are Other_Uppercase too
    public void FirstCapital_TakesTheFirstCharacterPythonCallsUppercase(string text, string expected)
    {
        Assert.Equal(expected, FirstCapital.Extract(text));
    }

    [Theory]
    [InlineData("答案是B", "B")]                                   // 1
    [InlineData("答案：C", "C")]                                    // 2 (full-width colon)
    [InlineData("答案: D", "D")]                                    // 1: \s* swallows nothing, then 3 would; 1 fails on ':' so 3 matches
    [InlineData("答案选项应该是A", "A")]                            // 4
    [InlineData("答案选项为B", "B")]                                // 5
    [InlineData("我觉得答案应该是D", "D")]                          // 6
    [InlineData("答案应选C", "C")]                                  // 7
    [InlineData("答案选项：A", "A")]                                // 8
    [InlineData("答案选项 **B**", "B")]                            // 9
    [InlineData("正确答案为A。", "A")]                              // 11
    [InlineData("应选择 C", "C")]                                   // 13
    [InlineData("只有B是错的", "B")]                                // 15
    [InlineData("只有选项D不正确", "D")]                            // 16
    [InlineData("说法错误的是C", "C")]                              // 20
    [InlineData("我认为B是正确的", "B")]                            // 21
    [InlineData("C是正确答案", "C")]                                // 22
    [InlineData("选项C正确", "C")]                                  // 23
    [InlineData("所以答 D", "D")]                                   // 24
    [InlineData("因此C", "C")]                                      // 31
    [InlineData("ANSWER: C\nbut A was close", "C")]                 // 36, group(1) since 0.3.6
    [InlineData("The answer is (B)", "B")]                          // 37
    [InlineData("The answer is **D**", "D")]                        // 38
    [InlineData("The correct answer is \\boxed{D}", "D")]           // 42
    [InlineData("The answer to the question is A", "A")]            // 45
    [InlineData("1. CA", "A")]                                      // 49: first letter in option order, not text order
    [InlineData("maybe D: yes", "D")]                               // 48 space-letter-space? no: 51 'D:' cushion
    [InlineData("xxBxx", "B")]                                      // 52, the last cushion
    [InlineData("我不知道", "")]
    public void FirstOption_TriesOpenCompassPatternsInOrder(string text, string expected)
    {
        Assert.Equal(expected, FirstOption.Extract(text));
    }

    [Fact]
    public void FirstOption_ReproducesOpenCompassMissingCommaDefect()
    {
        // OpenCompass fuses '故选?\s*([ABCD])' and '只有选?项?\s?([ABCD])\s?是?对' into one pattern that this text
        // cannot match, so a later pattern ('只有…错') decides. Scores must match OpenCompass, defect included.
        Assert.Equal("B", FirstOption.Extract("故A，只有B错误"));
    }

    [Fact]
    public void FirstOptionCorrected_SplitsTheFusedPattern()
    {
        Assert.Equal("A", Corrected.Extract("故A，只有B错误"));
    }

    [Fact]
    public void FirstOption_StripsSurroundingWhitespaceBeforeAnchoredPatterns()
    {
        Assert.Equal("C", FirstOption.Extract("\n  C选项  \n"));
    }

    [Fact]
    public void UnknownPostprocessor_ListsTheKnownNames()
    {
        var error = Assert.Throws<ArgumentException>(() => AnswerPostprocessors.Get("final_capital"));

        Assert.Contains("first_capital", error.Message, StringComparison.Ordinal);
        Assert.Contains("match_answer_pattern", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("first-capital", "first_capital")]
    [InlineData("first_option_postprocess", "first_option")]
    [InlineData("multiple-select", "multiple_select")]
    public void OpenCompassFunctionAndRegistryNames_NameTheSamePostprocessor(string openCompassName, string name)
    {
        Assert.Equal(name, AnswerPostprocessors.Get(openCompassName).Name);
    }

    [Fact]
    public void AnArgumentThePostprocessorDoesNotTake_IsRefusedNamingWhatItTakes()
    {
        var error = Assert.Throws<ArgumentException>(() => AnswerPostprocessors.Get(PostprocessorSpec.Parse("last_option:options=ABCD,cushion=false")));

        Assert.Contains("'last_option' takes options, not 'cushion'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MatchAnswerPattern_WithoutAPattern_SaysWhatItNeeds()
    {
        var error = Assert.Throws<ArgumentException>(() => AnswerPostprocessors.Get("match_answer_pattern"));

        Assert.Contains("answer_pattern=REGEX", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ASpec_KeepsCommasAndColonsOfARegexInItsArgument()
    {
        var spec = PostprocessorSpec.Parse(@"match_answer_pattern:answer_pattern=(?i)答案\s*[:：]\s*([A-D]{1,2})");

        Assert.Equal("match_answer_pattern", spec.Name);
        Assert.Equal(@"(?i)答案\s*[:：]\s*([A-D]{1,2})", spec["answer_pattern"]);
        Assert.Equal(spec, PostprocessorSpec.Parse(spec.ToString()));
    }

    [Fact]
    public void ASpec_SplitsArgumentsAtACommaBeforeAKnownArgumentName()
    {
        var spec = PostprocessorSpec.Parse("first_option:options=ABCDE,cushion=false");

        Assert.Equal("ABCDE", spec["options"]);
        Assert.Equal("false", spec["cushion"]);
    }
}
