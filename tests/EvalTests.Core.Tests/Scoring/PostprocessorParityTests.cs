using System.Text.Json;
using EvalTests.Datasets;
using EvalTests.Python;
using EvalTests.Scoring;

namespace EvalTests.Core.Tests.Scoring;

/// <summary>
/// EvalTests' postprocessors, numeric comparison and Python number parsing against OpenCompass's own functions and
/// Python's int()/float(), as <c>tools/reference/postprocessor-fixtures.py</c> recorded them.
/// </summary>
public sealed class PostprocessorParityTests
{
    private static readonly JsonElement Fixture = JsonDocument.Parse(File.ReadAllText(
        Path.Combine(AppContext.BaseDirectory, "Scoring", "Fixtures", "postprocessors.expected.json"))).RootElement;

    public static TheoryData<string> Postprocessors() =>
        [.. Fixture.GetProperty("postprocessors").EnumerateArray().Select(c => c.GetProperty("postprocessor").GetString()!).Distinct()];

    [Theory]
    [MemberData(nameof(Postprocessors))]
    public void EveryModelOutput_ExtractsWhatOpenCompassExtracts(string spec)
    {
        var postprocessor = AnswerPostprocessors.Get(PostprocessorSpec.Parse(spec));
        var failures = Fixture.GetProperty("postprocessors").EnumerateArray()
            .Where(c => c.GetProperty("postprocessor").GetString() == spec)
            .Select(c => (Input: c.GetProperty("input").GetString()!, Expected: c.GetProperty("expected").GetString()!))
            // gsm8k_postprocess returns 'NULL' where it finds no number; EvalTests returns nothing and counts it unparsed.
            .Select(c => (c.Input, Expected: spec == "gsm8k" && c.Expected == "NULL" ? string.Empty : c.Expected, Actual: postprocessor.Extract(c.Input)))
            .Where(c => c.Expected != c.Actual)
            .Select(c => $"{JsonSerializer.Serialize(c.Input)}: expected {JsonSerializer.Serialize(c.Expected)}, got {JsonSerializer.Serialize(c.Actual)}")
            .ToList();

        Assert.True(failures.Count == 0, $"{spec}: {failures.Count} differences from OpenCompass:\n{string.Join("\n", failures)}");
    }

    [Fact]
    public void NumericComparison_IsGsm8kEvaluatorIsEqual()
    {
        Assert.All(Fixture.GetProperty("numericEquality").EnumerateArray(), c => Assert.True(
            c.GetProperty("expected").GetBoolean() == AnswerComparison.Matches(AnswerMatch.Numeric, c.GetProperty("prediction").GetString()!, c.GetProperty("reference").GetString()!),
            $"is_equal({c.GetProperty("prediction")}, {c.GetProperty("reference")}) is {c.GetProperty("expected")} in OpenCompass"));
    }

    [Fact]
    public void PythonNumberTryParseInt_IsPythonsInt()
    {
        Assert.All(Fixture.GetProperty("int").EnumerateArray(), c =>
        {
            var input = c.GetProperty("input").GetString()!;
            var expected = c.GetProperty("expected");
            var parsed = PythonNumber.TryParseInt(input, out var value);
            Assert.True(expected.ValueKind == JsonValueKind.Null ? !parsed : parsed && value == expected.GetInt64(), $"int({JsonSerializer.Serialize(input)}) is {expected} in Python, got {(parsed ? value : "ValueError")}");
        });
    }

    [Fact]
    public void PythonNumberTryParseFloat_IsPythonsFloat()
    {
        Assert.All(Fixture.GetProperty("float").EnumerateArray(), c =>
        {
            var input = c.GetProperty("input").GetString()!;
            var expected = c.GetProperty("expected");
            var parsed = PythonNumber.TryParseFloat(input, out var value);
            var actual = parsed ? PythonRepr.FormatFloat(value) : "ValueError";
            Assert.True(expected.ValueKind == JsonValueKind.Null ? !parsed : actual == expected.GetString(), $"float({JsonSerializer.Serialize(input)}) is {expected} in Python, got {actual}");
        });
    }
}
