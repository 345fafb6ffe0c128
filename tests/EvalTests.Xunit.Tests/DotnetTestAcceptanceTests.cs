using EvalTests.TestSupport;
using System.Text.RegularExpressions;

namespace EvalTests.Xunit.Tests;

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
        Assert.Contains("Discovered 73 tests", output, StringComparison.Ordinal); // 52 subjects + 6 groups + 1 snapshot + 1 plan error + 12 theory rows + 1 theory error
        Assert.Contains("Humanities_rows(ceval-humanities [tiny, ceval_ppl])", output, StringComparison.Ordinal);
        Assert.Contains("Humanities_rows(ceval-logic [tiny, ceval_ppl])", output, StringComparison.Ordinal);
        Assert.Contains("ceval-computer_network [tiny, ceval_ppl]", output, StringComparison.Ordinal);
        Assert.Contains("ceval-hard [tiny, ceval_ppl]", output, StringComparison.Ordinal);
        Assert.Contains("ceval [tiny, ceval_ppl, snapshot]", output, StringComparison.Ordinal);
    }

    [Fact]
    public void ThePlan_KeepsQuotesAndBackslashesOfItemValues()
    {
        var plan = EvalTests.Xunit.Planning.EvalPlanFile.Read(Path.Combine(Project.Folder, "bin", "Debug", "net10.0", "evaltests.plan.json"));

        Assert.Equal("Say \"A\" \\ nothing else", plan.Models.Single().SystemPrompt);
    }

    [Fact]
    public void FilterBySubject_RunsExactlyThatCase_AndReportsItsScore()
    {
        var (exit, output) = Project.Test("--filter", "ceval-law", "--output", "Detailed");

        Assert.True(exit == 0, output);
        Assert.Matches(@"succeeded:\s+1\b", output);
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
        Assert.Matches(@"\| ceval-law \| tiny \| ppl \| \d+\.\d\d \| \d+\.\d\d \| 2 \| >= 0 \| pass \| - \|", markdown);
    }

    [Fact]
    public void NoiseAwareThreshold_OnTwoQuestions_PassesWhateverTheScore()
    {
        // Even 0 of 2 is not below 60% with 95% confidence: P(X ≤ 0 | 2, 0.6) = 0.16.
        var (exit, output) = Project.Test("--filter", "ceval-logic");

        Assert.True(exit == 0, output);
        Assert.Matches(@"ceval-logic\s+tiny\s+ppl\s+\d+\.\d\d\s+\d+\.\d\d\s+2\s+>= 60 @0\.95\s+pass", output);
    }

    [Fact]
    public void AnEvalTheory_HasOneRowPerPlannedSubsetAndGroup_EachGivenItsResult()
    {
        var (exit, output) = Project.Test("--filter", "FullyQualifiedName~Humanities_rows", "--output", "Detailed");

        Assert.NotEqual(0, exit);
        // ceval-humanities: 11 subjects and the group; one row fails with its result in the message, the others pass.
        Assert.Matches(@"failed Humanities_rows\(ceval-logic \[tiny, ceval_ppl\]\)", output);
        Assert.Matches(@"THEORY ceval-logic group=False n=2 score=\d+\.\d\d", output);
        Assert.Matches(@"passed Humanities_rows\(ceval-humanities \[tiny, ceval_ppl\]\)", output);
        Assert.Matches(@"succeeded:\s+11\b", output);
    }

    [Fact]
    public void AnEvalTheoryNamingNothingPlanned_IsAFailingCaseThatSaysSo()
    {
        var (exit, output) = Project.Test("--filter", "FullyQualifiedName~Nothing_planned");

        Assert.NotEqual(0, exit);
        Assert.Contains("[EvalTheory(\"mmlu\")]: no planned subset or group is named mmlu", output, StringComparison.Ordinal);
    }

    [Fact]
    public void PlainDotnetTest_EndsWithTheScoresTable()
    {
        var (exit, output) = Project.Test("--filter", "ceval-law");

        Assert.True(exit == 0, output);
        Assert.Contains("skipped EvalTests scores", output, StringComparison.Ordinal);
        Assert.Matches(@"dataset\s+model\s+mode\s+score\s+stderr\s+n\s+threshold\s+verdict\s+snapshot", output);
        Assert.Matches(@"ceval-law\s+tiny\s+ppl\s+\d+\.\d\d\s+\d+\.\d\d\s+2\s+>= 0\s+pass\s+-", output);
        var report = Regex.Match(output, @"\S+evaltests-tiny-\d{8}_\d{6}\.html").Value; // the HTML report, listed with the run's artifacts
        Assert.True(File.Exists(report), output);
        Assert.Contains("<table id=\"summary\">", File.ReadAllText(report), StringComparison.Ordinal);
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
        Assert.Matches(@"succeeded:\s+9\b", output);
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

        Assert.Matches(@"succeeded:\s+56\b", output); // 51 subjects + 5 hyphenated groups (ceval-stem … ceval-hard)
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
        var verified = Path.Combine(Project.SnapshotFolder, "tiny.ceval_ppl.verified.txt");
        var text = AcceptedSnapshot();
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

    /// <summary>The snapshot this model accepts (EVALTESTS_ACCEPT=1), accepted by the first test that needs it.</summary>
    private string AcceptedSnapshot()
    {
        if (sample.AcceptedSnapshot is null)
        {
            var accept = new Dictionary<string, string> { ["EVALTESTS_ACCEPT"] = "1" };
            var (accepted, acceptOutput) = Project.Run(["test", "--no-build", "--filter", "ceval_ppl_snapshot"], accept);
            Assert.True(accepted == 0, acceptOutput);
            sample.AcceptedSnapshot = File.ReadAllText(Path.Combine(Project.SnapshotFolder, "tiny.ceval_ppl.verified.txt"));
        }

        return sample.AcceptedSnapshot;
    }

    /// <summary>
    /// The verified snapshot is rewritten as if an older model version had answered: its identity changed and its
    /// per-question outcomes edited, so that this run (the candidate) loses, barely changes or gains questions.
    /// </summary>
    private string BaselineFromAnotherModelVersion(Func<string, string> outcomes)
    {
        var verified = Path.Combine(Project.SnapshotFolder, "tiny.ceval_ppl.verified.txt");
        var text = AcceptedSnapshot();
        text = Regex.Replace(text, @"^identity: .*$", "identity: onnx:sha256:0ld0ld0ld0ld0ld0", RegexOptions.Multiline);
        text = Regex.Replace(text, @"^(ceval-\S+\s+)([01ue-]+)$", m => m.Groups[1].Value + outcomes(m.Groups[2].Value), RegexOptions.Multiline);
        File.WriteAllText(verified, text);
        return verified;
    }

    [Fact]
    public void NewModelVersion_LosingManyQuestions_FailsWithTheComparisonTable()
    {
        // The baseline answered every question right: the candidate loses each one it gets wrong (most of 104).
        BaselineFromAnotherModelVersion(o => new string('1', o.Length));

        var (exit, output) = Project.Test("--filter", "ceval_ppl_snapshot");

        Assert.NotEqual(0, exit);
        Assert.Contains("significant drop beyond 0 points in", output, StringComparison.Ordinal);
        Assert.Matches(@"\n\s*ceval\s+\d+\.\d\d\s+\d+\.\d\d\s+-\d+\.\d\d\s+0\.0000\s+bootstrap\s+104\s+REGRESSION", output);
        Assert.Matches(@"mcnemar\s+2\s+not significant", output); // two questions per subset: never significant alone
        Assert.True(File.Exists(Path.Combine(Project.SnapshotFolder, "tiny.ceval_ppl.received.txt")));
        Assert.Contains("EVALTESTS_ACCEPT=1", output, StringComparison.Ordinal);
    }

    [Fact]
    public void NewModelVersion_LosingOneQuestion_PassesAndSaysTheDropIsNotSignificant()
    {
        // The baseline differs in one question, which it answered right and this run did not.
        BaselineFromAnotherModelVersion(o => o);
        var verified = Path.Combine(Project.SnapshotFolder, "tiny.ceval_ppl.verified.txt");
        var text = File.ReadAllText(verified);
        var line = Regex.Match(text, @"^ceval-\S+\s+[01u]*[0u][01u]*$", RegexOptions.Multiline);
        Assert.True(line.Success, text);
        var wrong = line.Value.LastIndexOfAny(['0', 'u']);
        File.WriteAllText(verified, text.Replace(line.Value, line.Value[..wrong] + "1" + line.Value[(wrong + 1)..], StringComparison.Ordinal));

        var (exit, output) = Project.Test("--filter", "ceval_ppl_snapshot", "--output", "Detailed");

        Assert.True(exit == 0, output);
        Assert.Contains("not significant", output, StringComparison.Ordinal);
        Assert.Contains("no significant drop beyond MaxDrop", output, StringComparison.Ordinal);
        Assert.Matches(@"\n\s*ceval\s+tiny\s+-\s+-\s+-\s+-\s+-\s+-\s+not significant \(-\d+\.\d\d, p=", output); // the end-of-run table
    }

    [Fact]
    public void NewModelVersion_GainingQuestions_PassesAndReportsTheGain()
    {
        // The baseline answered every question wrong: the candidate gains each one it gets right.
        BaselineFromAnotherModelVersion(o => new string('0', o.Length));

        var (exit, output) = Project.Test("--filter", "ceval_ppl_snapshot", "--output", "Detailed");

        Assert.True(exit == 0, output);
        Assert.Matches(@"\n\s*ceval\s+\d+\.\d\d\s+\d+\.\d\d\s+\+\d+\.\d\d\s+0\.0000\s+bootstrap\s+104\s+GAIN", output);
        Assert.Contains("significant gain(s)", output, StringComparison.Ordinal);
        // The HTML report compares the run with the verified snapshot it was gated against.
        var report = File.ReadAllText(Regex.Match(output, @"\S+evaltests-tiny-\d{8}_\d{6}\.html").Value);
        Assert.Contains("Paired comparison: tiny against snapshot onnx:sha256:0ld0ld0ld0ld0ld0", report, StringComparison.Ordinal);
    }
}
