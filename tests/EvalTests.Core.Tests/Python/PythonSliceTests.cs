using EvalTests.Python;

namespace EvalTests.Core.Tests.Python;

/// <summary>OpenCompass's test_range is a Python slice of the row indices; expected indices are Python's for range(10).</summary>
public sealed class PythonSliceTests
{
    [Theory]
    [InlineData("[2:5]", new[] { 2, 3, 4 })]
    [InlineData("[-3:]", new[] { 7, 8, 9 })]
    [InlineData("[::3]", new[] { 0, 3, 6, 9 })]
    [InlineData("[8:2:-2]", new[] { 8, 6, 4 })]
    [InlineData("[-1::-4]", new[] { 9, 5, 1 })]
    [InlineData("[-100:2]", new[] { 0, 1 })]
    [InlineData("[100:]", new int[0])]
    [InlineData("[ 0 : 3 ]", new[] { 0, 1, 2 })]
    public void Indices_AreThoseOfPythonsSlice(string text, int[] expected)
    {
        Assert.Equal(expected, PythonSlice.Parse(text).Indices(10));
    }

    [Fact]
    public void TheWholeRange_ReversedByAStepOfMinusOne()
    {
        Assert.Equal(Enumerable.Range(0, 10).Reverse(), PythonSlice.Parse("[::-1]").Indices(10));
    }

    [Theory]
    [InlineData("0:100")]
    [InlineData("[5]")]
    [InlineData("[a:b]")]
    [InlineData("[::0]")]
    public void ANonSlice_IsRefusedWithTheExpectedForm(string text)
    {
        var error = Assert.Throws<FormatException>(() => PythonSlice.Parse(text));

        Assert.Contains(text, error.Message, StringComparison.Ordinal);
    }
}
