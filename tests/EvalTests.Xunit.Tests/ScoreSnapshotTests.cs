using EvalTests.Xunit.Planning;
using EvalTests.Xunit.Runners;

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
        Assert.Contains("within tolerance", reason, StringComparison.Ordinal);
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
}
