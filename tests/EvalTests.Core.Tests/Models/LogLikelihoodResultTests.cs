using EvalTests.Models;

namespace EvalTests.Core.Tests.Models;

/// <summary>OpenCompass's <c>get_ppl</c>: <c>loss.sum(-1) / lens</c>, lens counting every non-pad input token.</summary>
public sealed class LogLikelihoodResultTests
{
    [Fact]
    public void Ppl_DividesTheSummedLossByTheInputTokens_TheFirstIncluded()
    {
        var result = new LogLikelihoodResult([-1.0, -2.0, -3.0], ContinuationTokens: 1);

        Assert.Equal(1.5, result.Ppl, 1e-15);   // (1 + 2 + 3) / 4 input tokens, not / 3 predicted ones
    }

    [Fact]
    public void PplMasked_DropsTheFirstMaskLengthMinusOneLosses_AndTakesMaskLengthOffTheCount()
    {
        var result = new LogLikelihoodResult([-1.0, -2.0, -3.0, -4.0], ContinuationTokens: 1);

        Assert.Equal((3.0 + 4.0) / (5 - 3), result.PplMasked(maskLength: 3), 1e-15);
    }

    [Fact]
    public void Ppl_OfASequenceWithNothingPredicted_IsNaN()
    {
        Assert.True(double.IsNaN(new LogLikelihoodResult([], 0).Ppl));
    }
}
