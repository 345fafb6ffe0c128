using EvalTests.Python;
using EvalTests.Reporting;
using EvalTests.Scoring;

namespace EvalTests.Core.Tests.Reporting;

public sealed class SummaryTests
{
    private static Summary Sample() => Summary.Build(
        "m",
        ["ceval-computer_network", "ceval-law", "ceval-missing"],
        [
            new DatasetScore("ceval-computer_network", "abc123", "gen", "accuracy", new SubsetScore(6, 12, 1, 0)),
            new DatasetScore("ceval-law", "def456", "gen", "accuracy", new SubsetScore(10, 14, 0, 0)),
        ],
        [new SummaryGroup("ceval-x", ["ceval-computer_network", "ceval-law"]), new SummaryGroup("ceval-y", ["ceval-law", "ceval-missing"])]);

    [Fact]
    public void Table_MatchesOpenCompassTabulateLayout()
    {
        // Widths: at least header + 2; a column holding '-' is text (left-aligned); rows are right-stripped.
        const string expected =
            "dataset                 version    metric         mode    m\n" +
            "----------------------  ---------  -------------  ------  -----\n" +
            "ceval-computer_network  abc123     accuracy       gen     31.58\n" +
            "ceval-law               def456     accuracy       gen     41.67\n" +
            "ceval-missing           -          -              -       -\n" +
            "ceval-x                 -          naive_average  gen     36.62";

        Assert.Equal(expected, Sample().ToText());
    }

    [Fact]
    public void Tabulate_ReproducesTheExampleInOpenCompassDocs()
    {
        var text = Tabulate.Simple(
        [
            ["dataset", "version", "metric", "mode", "internlm-7b-hf"],
            ["race", "-", "naive_average", "ppl", "76.23"],
            ["race-high", "0c332f", "accuracy", "ppl", "74.53"],
            ["race-middle", "0c332f", "accuracy", "ppl", "77.94"],
        ]);

        Assert.StartsWith(
            "dataset      version    metric         mode      internlm-7b-hf\n" +
            "-----------  ---------  -------------  ------  ----------------\n" +
            "race         -          naive_average  ppl                76.23\n" +
            "race-high    0c332f     accuracy       ppl                74.53\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Group_IsTheNaiveMeanOfSubsetAccuracies_NotOfQuestions()
    {
        var group = Sample().Rows.Single(r => r.Dataset == "ceval-x");

        Assert.Equal(((100.0 * 6 / 19) + (100.0 * 10 / 24)) / 2, group.Scores[0]!.Value, 12);
        Assert.Equal("-", group.Version);
    }

    [Fact]
    public void Group_WithAMissingMember_IsLeftOutAndExplainedInTheRawSection()
    {
        var summary = Sample();

        Assert.DoesNotContain(summary.Rows, r => r.Dataset == "ceval-y");
        Assert.Contains(("ceval-y", "{'error': \"missing metrics: ['ceval-missing']\"}"), summary.Raw[0]);
    }

    [Fact]
    public void MarkdownAndCsv_FollowOpenCompass()
    {
        var summary = Sample();

        Assert.StartsWith("| dataset | version | metric | mode | m |\n|----- | ----- | ----- | ----- | -----|\n| ceval-computer_network | abc123 | accuracy | gen | 31.58 |\n", summary.ToMarkdown(), StringComparison.Ordinal);
        Assert.StartsWith("dataset,version,metric,mode,m\nceval-computer_network,abc123,accuracy,gen,31.58\n", summary.ToCsv(), StringComparison.Ordinal);
    }

    [Fact]
    public void SummaryFile_HasOpenCompassSectionsAndRawResults()
    {
        var text = Sample().ToSummaryFile("20261124_170000");

        Assert.StartsWith("20261124_170000\ntabulate format\n" + new string('^', 128) + "\ndataset ", text, StringComparison.Ordinal);
        Assert.Contains(new string('-', 128) + " THIS IS A DIVIDER " + new string('-', 128), text, StringComparison.Ordinal);
        Assert.Contains("\ncsv format\n", text, StringComparison.Ordinal);
        Assert.Contains("\nmarkdown format\n", text, StringComparison.Ordinal);
        Assert.Contains("raw format\n" + new string('^', 128) + "\n-------------------------------\nModel: m\nceval-computer_network: {'accuracy': 31.57894736842105, 'evaltests': {'n': 19, 'correct': 6, 'wrong': 12, 'unparsed': 1, 'errored': 0, 'stderr': ", text, StringComparison.Ordinal);
        Assert.EndsWith(new string('$', 128) + "\n", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(50.0, "50.0")]
    [InlineData(47.368421052631575, "47.368421052631575")]
    [InlineData(1e-05, "1e-05")]
    [InlineData(1e16, "1e+16")]
    [InlineData(0.0001, "0.0001")]
    public void PythonRepr_FormatsFloatsAsPythonPrintsThem(double value, string expected)
    {
        Assert.Equal(expected, PythonRepr.FormatFloat(value));
    }
}

/// <summary>Python's round, which OpenCompass's summaries use.</summary>
public sealed class PythonMathTests
{
    [Theory]
    [InlineData(6.335, 6.33)]    // binary 6.33499999…: Python rounds down, Math.Round(6.335, 2) gives 6.34
    [InlineData(2.675, 2.67)]    // the Python documentation's own example
    [InlineData(0.125, 0.12)]    // an exact binary half: to even
    [InlineData(0.375, 0.38)]
    [InlineData(-1.005, -1.0)]   // binary -1.00499999…
    [InlineData(7.666666666666667, 7.67)]
    [InlineData(42.0, 42.0)]
    public void Round_MatchesPythonsRoundToTwoDigits(double value, double python)
    {
        Assert.Equal(python, PythonMath.Round(value, 2));
    }
}
