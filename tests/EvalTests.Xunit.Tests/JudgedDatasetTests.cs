using EvalTests.TestSupport;

namespace EvalTests.Xunit.Tests;

[Collection(nameof(SampleProjectRuns))]
public sealed class JudgedDatasetTests
{
    [Fact]
    public void AJudgedDataset_IsACaseScoredByTheEvalJudge_WithItsOutputsBesideThePredictions()
    {
        var model = SharedData.Model("stories260K").Replace('\\', '/');
        using var project = new SampleProject($"""
                <EvalModel Include="tiny" Path="{model}" />
                <EvalJudge Include="tiny-judge" Path="{model}" />
                <EvalDataset Include="gsm8k_llmjudge" Limit="2" />
            """, "<EvalTestsMaxInvalidFraction>1</EvalTestsMaxInvalidFraction>");
        var (built, buildOutput) = project.Build();
        Assert.True(built == 0, buildOutput);

        // A first run records the score snapshot (EVALTESTS_ACCEPT), as a new snapshot is otherwise a failure to review.
        var (exit, output) = project.Run(["test", "--no-build", "--output", "Detailed"], new Dictionary<string, string> { ["EVALTESTS_ACCEPT"] = "1" });

        Assert.True(exit == 0, output);
        Assert.Matches(@"passed gsm8k-llmjudge \[tiny, gsm8k_llmjudge\]", output);
        Assert.True(File.Exists(Path.Combine(project.SnapshotFolder, "tiny.gsm8k_llmjudge.verified.txt")));
        var run = Directory.GetDirectories(Path.Combine(project.Folder, "outputs", "default")).Single();
        Assert.True(File.Exists(Path.Combine(run, "results", "tiny", "gsm8k-llmjudge_replica0.json")));
        Assert.True(File.Exists(Path.Combine(run, "checkpoints", "tiny_judged-by--tiny-judge.jsonl")));
    }
}
