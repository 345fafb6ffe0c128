using EvalTests.TestSupport;
using System.Text.RegularExpressions;

namespace EvalTests.Xunit.Tests;

/// <summary>Builds one sample user project once; each test runs `dotnet test` on it the way a user would.</summary>
public sealed class SampleProjectFixture : IDisposable
{
    public SampleProjectFixture()
    {
        Project = new SampleProject($"""
                <EvalModel Include="tiny" Path="{TestSupport.SharedData.Model("stories260K")}" />
                <EvalDataset Include="ceval_ppl" Limit="2" />
                <EvalDataset Include="ceval_gne" />
                <EvalThreshold Include="ceval-computer_network" MinAccuracy="99" />
                <EvalThreshold Include="ceval-law" MinAccuracy="0" />
            """,
            properties: "<EvalTestsBatchSize>auto</EvalTestsBatchSize>");
        var (exit, output) = Project.Build();
        BuildOutput = output;
        Built = exit == 0;
    }

    public SampleProject Project { get; }

    public bool Built { get; }

    public string BuildOutput { get; }

    public void Dispose() => Project.Dispose();
}

/// <summary>
/// Every test that builds a sample project: each build also builds the repository projects it references, so two at
/// once race on the same obj/bin files (a CI run failed a build that way); they run one at a time.
/// </summary>
[CollectionDefinition(nameof(SampleProjectRuns), DisableParallelization = true)]
public sealed class SampleProjectRuns : ICollectionFixture<SampleProjectFixture>;

[Collection(nameof(SampleProjectRuns))]
public sealed class DotnetTestAcceptanceTests(SampleProjectFixture sample)
{
    private SampleProject Project
    {
        get
        {
            Assert.True(sample.Built, sample.BuildOutput);
            return sample.Project;
        }
    }

    [Fact]
    public void ListTests_ShowsEverySubjectGroupAndSnapshot()
    {
        var (exit, output) = Project.Test("--list-tests");

        Assert.Equal(0, exit);
        Assert.Contains("Discovered 60 tests", output, StringComparison.Ordinal); // 52 subjects + 6 groups + 1 snapshot + 1 plan error
        Assert.Contains("ceval-computer_network [tiny, ceval_ppl]", output, StringComparison.Ordinal);
        Assert.Contains("ceval-hard [tiny, ceval_ppl]", output, StringComparison.Ordinal);
        Assert.Contains("ceval [tiny, ceval_ppl, snapshot]", output, StringComparison.Ordinal);
    }

    [Fact]
    public void FilterBySubject_RunsExactlyThatCase_AndReportsItsScore()
    {
        var (exit, output) = Project.Test("--filter", "ceval-law", "--output", "Detailed");

        Assert.True(exit == 0, output);
        Assert.Matches(@"total:\s+1\b", output);
        Assert.Matches(@"RESULT ceval-law model=tiny mode=ppl accuracy=\d+\.\d\d stderr=\d+\.\d\d n=2", output);
        Assert.Contains("model loads in this run: 1", output, StringComparison.Ordinal);
        Assert.Matches(@"batch size \(auto\): ppl [1-9]\d*", output); // EvalTestsBatchSize=auto: measured, not the default
    }

    [Fact]
    public void UnderGitHubActions_TheScoresTableGoesToTheJobSummary()
    {
        var summary = Path.Combine(Project.Folder, "step-summary.md");

        var (exit, output) = Project.Run(["test", "--no-build", "--filter", "ceval-law"], new Dictionary<string, string> { ["GITHUB_STEP_SUMMARY"] = summary });

        Assert.True(exit == 0, output);
        var markdown = File.ReadAllText(summary);
        Assert.StartsWith("## EvalTests scores", markdown, StringComparison.Ordinal);
        Assert.Matches(@"\| ceval-law +\| [0-9a-f]{6} +\| accuracy +\| ppl +\| +\d+\.\d\d \|", markdown);
    }

    [Fact]
    public void TrxReport_CarriesEachCasesScore()
    {
        var results = Path.Combine(Project.Folder, "trx");
        var (exit, output) = Project.Test("--filter", "ceval-law", "--report-trx", "--results-directory", results);

        Assert.True(exit == 0, output);
        var trx = File.ReadAllText(Assert.Single(Directory.GetFiles(results, "*.trx")));
        Assert.Contains("RESULT ceval-law model=tiny mode=ppl accuracy=", trx, StringComparison.Ordinal);
        Assert.Contains("className=\"ceval-law.tiny\" name=\"ceval_ppl\"", trx, StringComparison.Ordinal);
    }

    [Fact]
    public void FilterByCategoryTrait_SelectsTheHardSubjectsAndTheirGroup()
    {
        var (exit, output) = Project.Test("--filter", "Category=hard");

        Assert.True(exit == 0, output);
        Assert.Matches(@"total:\s+9\b", output);
    }

    [Fact]
    public void FailingThreshold_TurnsTheRunRed_WithTheScoreInTheMessage()
    {
        var (exit, output) = Project.Test("--filter", "ceval-computer_network");

        Assert.NotEqual(0, exit);
        Assert.Matches(@"ceval-computer_network: accuracy \d+\.\d\d < 99\.00 \(n=2, model tiny, mode ppl\)", output);
    }

    [Fact]
    public void WholeBenchmark_LoadsTheModelOnce_ForEveryCase()
    {
        var (_, output) = Project.Test("--filter", "FullyQualifiedName~ceval-&FullyQualifiedName!~computer_network", "--output", "Detailed");

        Assert.Matches(@"total:\s+56\b", output); // 51 subjects + 5 hyphenated groups (ceval-stem … ceval-hard)
        Assert.DoesNotContain("model loads in this run: 2", output, StringComparison.Ordinal);
        Assert.Contains("model loads in this run: 1", output, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownDataset_IsAFailingCaseNamingTheItem()
    {
        var (exit, output) = Project.Test("--filter", "ceval_gne");

        Assert.NotEqual(0, exit);
        Assert.Contains("<EvalDataset Include=\"ceval_gne\">: Unknown dataset 'ceval_gne'", output, StringComparison.Ordinal);
    }

    [Fact]
    public void ChangedSnapshot_FailsWithAReceivedFileAndADiff_AndCanBeAccepted()
    {
        var accept = new Dictionary<string, string> { ["EVALTESTS_ACCEPT"] = "1" };
        var (accepted, acceptOutput) = Project.Run(["test", "--no-build", "--filter", "ceval_ppl_snapshot"], accept);
        Assert.True(accepted == 0, acceptOutput);
        var verified = Path.Combine(Project.SnapshotFolder, "tiny.ceval_ppl.verified.txt");
        var text = File.ReadAllText(verified);
        var changed = Regex.Replace(text, @"(ceval-law\s+\S+\s+accuracy\s+ppl\s+)\d+\.\d\d", "${1}12.34");
        Assert.NotEqual(text, changed);
        File.WriteAllText(verified, changed);

        var (exit, output) = Project.Test("--filter", "ceval_ppl_snapshot");

        Assert.NotEqual(0, exit);
        Assert.True(File.Exists(Path.Combine(Project.SnapshotFolder, "tiny.ceval_ppl.received.txt")));
        Assert.Matches(@"- ceval-law\s+\S+\s+accuracy\s+ppl\s+12\.34", output);
        Assert.Matches(@"\+ ceval-law\s+\S+\s+accuracy\s+ppl\s+\d+\.\d\d", output);
        Assert.Contains("EVALTESTS_ACCEPT=1", output, StringComparison.Ordinal);
    }
}

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

[Collection(nameof(SampleProjectRuns))]
public sealed class BuildValidationTests
{
    [Fact]
    public void ModelWithoutPath_FailsTheBuildNamingTheItem()
    {
        using var project = new SampleProject("""
                <EvalModel Include="nowhere" />
                <EvalDataset Include="ceval_ppl" />
            """);

        var (exit, output) = project.Build();

        Assert.NotEqual(0, exit);
        Assert.Contains("EvalTests: <EvalModel Include=\"nowhere\"> has no Path", output, StringComparison.Ordinal);
    }

    [Fact]
    public void AnHfTypeOtherThanBaseOrChat_FailsTheBuildNamingTheItem()
    {
        using var project = new SampleProject($"""
                <EvalModel Include="qwen" Path="{SharedData.Model("qwen3tok-random")}" HfType="instruct" />
                <EvalDataset Include="ceval_ppl" />
            """);

        var (exit, output) = project.Build();

        Assert.NotEqual(0, exit);
        Assert.Contains("EvalTests: <EvalModel Include=\"qwen\"> has HfType 'instruct'; expected base or chat", output, StringComparison.Ordinal);
    }
}
