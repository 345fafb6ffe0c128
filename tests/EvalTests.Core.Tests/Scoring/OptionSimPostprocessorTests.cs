using EvalTests.Datasets;
using EvalTests.Scoring;

namespace EvalTests.Core.Tests.Scoring;

/// <summary>OpenCompass's OptionSimAccEvaluator.match_any_label, step by step (expected letters worked out from its source).</summary>
public sealed class OptionSimPostprocessorTests
{
    private static readonly DatasetSample Question = new(0, 2, [new("question", "Which planet is red?"), new("A", "Venus"), new("B", "Mars"), new("C", "Earth")]);

    private static readonly IAnswerPostprocessor OptionSim = AnswerPostprocessors.Get(PostprocessorSpec.Parse("option_sim:options=ABC"));

    [Theory]
    [InlineData(" B ", "B")]                           // the stripped text is an option
    [InlineData("答案是C", "C")]                        // first_option_postprocess without its cushion
    [InlineData("It must be mars.", "B")]               // the one option whose text it contains, case-insensitively
    [InlineData("Marz", "B")]                           // nearest by Levenshtein: 'Mars' is 1 away
    [InlineData("Venus or Mars", "A")]                  // two texts contained: nearest ('A. Venus' and 'Venus' are 8 away, 'Mars' 9)
    [InlineData("zzzzz", "A")]                          // equally far from every letter: the earlier one
    public void AnAnswer_IsReadAsMatchAnyLabel(string prediction, string expected)
    {
        Assert.Equal(expected, OptionSim.Extract(prediction, Question));
    }

    [Fact]
    public void Levenshtein_CountsCodePoints()
    {
        Assert.Equal(1, OptionSimPostprocessor.Levenshtein("😀a", "a"));
        Assert.Equal(3, OptionSimPostprocessor.Levenshtein("kitten", "sitting"));
    }
}
