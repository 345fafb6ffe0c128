using EvalTests.TestSupport;

namespace EvalTests.Xunit.Tests;

/// <summary>The card of docs/datasets.md, as written there, in a user's test project: <c>&lt;EvalDataset Card="…"&gt;</c>.</summary>
[Collection(nameof(SampleProjectRuns))]
public sealed class UserCardTests
{
    [Fact]
    public void TheDocumentedCard_IsATestCasePerSubset_RunOnTheSliceTestRangeSelects()
    {
        using var project = new SampleProject($"""
                <EvalModel Include="tiny" Path="{SharedData.Model("stories260K").Replace('\\', '/')}" />
                <EvalDataset Include="trivia_gen" Card="evals/trivia.card.json" TestRange="[0:2]" />
            """, "<EvalTestsMaxInvalidFraction>1</EvalTestsMaxInvalidFraction>");
        DocExamples.WriteTo("docs/datasets.md", project.Folder);
        var (built, buildOutput) = project.Build();
        Assert.True(built == 0, buildOutput);

        var (exit, output) = project.Run(["test", "--no-build", "--output", "Detailed"], new Dictionary<string, string> { ["EVALTESTS_ACCEPT"] = "1" });

        Assert.True(exit == 0, output);
        Assert.Matches(@"passed trivia \[tiny, trivia_gen\]", output);
        var run = Directory.GetDirectories(Path.Combine(project.Folder, "outputs", "default")).Single();
        var predictions = File.ReadAllText(Path.Combine(run, "predictions", "tiny", "trivia.json"));
        Assert.Contains("\"1\":", predictions, StringComparison.Ordinal);
        Assert.DoesNotContain("\"2\":", predictions, StringComparison.Ordinal);
    }
}
