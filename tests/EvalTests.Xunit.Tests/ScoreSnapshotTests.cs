using EvalTests.Xunit.Planning;
using EvalTests.Xunit.Runners.Snapshots;

namespace EvalTests.Xunit.Tests;

public sealed class ScoreSnapshotTests
{
    private static string Snapshot(string identity, string version, string score, string stderr) => $"""
        model: tiny
        identity: {identity}
        dataset: ceval_ppl_578f8d

        dataset     version    metric    mode      tiny    stderr
        ----------  ---------  --------  ------  ------  --------
        ceval-law   {version}     accuracy  ppl      {score}      {stderr}

        """.Replace("\r\n", "\n", StringComparison.Ordinal);

    private static readonly string Verified = Snapshot("onnx:sha256:aaaa", "1a2b3c", "50.00", "10.00");

    [Fact]
    public void SameScores_LaidOutWithOtherColumnWidths_Match()
    {
        // Not the same text, so the rows are parsed and compared cell by cell.
        var received = Verified.Replace("ceval-law   ", "ceval-law      ", StringComparison.Ordinal);

        Assert.NotEqual(Verified, received);
        Assert.True(ScoreSnapshot.Matches(Verified, received, new EvalPlanFile(), out var reason));
        Assert.Equal(" exactly", reason);
    }

    [Fact]
    public void ChangedScore_WithoutTolerance_DoesNotMatch()
    {
        Assert.False(ScoreSnapshot.Matches(Verified, Snapshot("onnx:sha256:aaaa", "1a2b3c", "49.50", "10.00"), new EvalPlanFile(), out _));
    }

    [Fact]
    public void ChangedScore_WithinAToleranceInPoints_Matches()
    {
        Assert.True(ScoreSnapshot.Matches(Verified, Snapshot("onnx:sha256:aaaa", "1a2b3c", "49.50", "10.00"), new EvalPlanFile { SnapshotTolerancePoints = 1 }, out var reason));
        Assert.Contains("within tolerance", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void ChangedScore_WithinAToleranceInStandardErrors_Matches_AndBeyondItDoesNot()
    {
        var plan = new EvalPlanFile { SnapshotToleranceStandardErrors = 0.5 };

        Assert.True(ScoreSnapshot.Matches(Verified, Snapshot("onnx:sha256:aaaa", "1a2b3c", "45.00", "10.00"), plan, out _));
        Assert.False(ScoreSnapshot.Matches(Verified, Snapshot("onnx:sha256:aaaa", "1a2b3c", "44.00", "10.00"), plan, out _));
    }

    [Fact]
    public void OtherModelIdentityOrDatasetVersion_IsNotComparable_WhateverTheTolerance()
    {
        var plan = new EvalPlanFile { SnapshotTolerancePoints = 100 };

        Assert.False(ScoreSnapshot.Matches(Verified, Snapshot("onnx:sha256:bbbb", "1a2b3c", "50.00", "10.00"), plan, out _));
        Assert.False(ScoreSnapshot.Matches(Verified, Snapshot("onnx:sha256:aaaa", "ffffff", "50.00", "10.00"), plan, out _));
    }

    [Fact]
    public void Snapshot_WithNAndOutcomes_ReadsBackWhatItWrote()
    {
        var snapshot = new ScoreSnapshotFile("tiny", "onnx:sha256:aaaa", "ceval_ppl_578f8d",
            [new SnapshotRow("ceval-law", "1a2b3c", "accuracy", "ppl", 50, 20.41, 4), new SnapshotRow("ceval", "-", "naive_average", "ppl", 50, 20.41, 4)],
            new Dictionary<string, string> { ["ceval-law"] = "10u-" });

        var read = ScoreSnapshotFile.Parse("tiny.ceval_ppl.verified.txt", snapshot.Render());

        Assert.Equal(snapshot.Rows, read.Rows);
        Assert.Equal("10u-", read.Outcomes["ceval-law"]);
        Assert.Equal([true, false, false, null], read.ToSheet([]).Correctness("ceval-law")!);
        Assert.True(read.ToSheet([]).IsBinary("ceval-law"));
    }

    [Fact]
    public void Snapshot_WrittenBeforeOutcomesWereRecorded_StillReads()
    {
        var read = ScoreSnapshotFile.Parse("old.verified.txt", Verified);

        Assert.Equal(50, Assert.Single(read.Rows).Score);
        Assert.Empty(read.Outcomes);
        Assert.False(read.ToSheet([]).IsBinary("ceval-law"));
    }

    [Fact]
    public void Snapshot_WithABadOutcomesLine_FailsNamingTheFileAndLine()
    {
        var text = Verified + "\noutcomes: one character per question\nceval-law  10x1\n"; // the bad line is the 10th

        var error = Assert.Throws<InvalidDataException>(() => ScoreSnapshotFile.Parse("tiny.ceval_ppl.verified.txt", text));

        Assert.StartsWith("tiny.ceval_ppl.verified.txt:10: not a score snapshot: expected an outcomes line", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GateSettings_TheMostSpecificEvalSnapshotItemWins_ElseTheProjectDefaults()
    {
        var plan = new EvalPlanFile
        {
            Snapshots = [new PlannedSnapshot("ceval", 2, null), new PlannedSnapshot("ceval_ppl", null, 0.99), new PlannedSnapshot("*", 5, 0.9)],
            MaxDrop = 1,
        };
        var ceval = new EvalTests.Xunit.ObjectModel.EvalCase(EvalTests.Xunit.ObjectModel.EvalCaseKind.Snapshot, "tiny", "ceval_ppl_578f8d", "ceval", "ceval", "ceval_ppl");
        var cmmlu = ceval with { Config = "cmmlu_ppl_8b9c76", Name = "cmmlu", ConfigShortName = "cmmlu_ppl" };

        Assert.Equal(new EvalTests.Comparison.GateSettings(1, 0.99), plan.GateFor(ceval)); // ceval_ppl names the config; MaxDrop from the project
        Assert.Equal(new EvalTests.Comparison.GateSettings(5, 0.9), plan.GateFor(cmmlu));
        Assert.Equal(new EvalTests.Comparison.GateSettings(0, 0.95), new EvalPlanFile().GateFor(ceval));
    }
}
