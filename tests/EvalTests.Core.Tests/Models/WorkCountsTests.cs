using EvalTests.Models;

namespace EvalTests.Core.Tests.Models;

public sealed class WorkCountsTests
{
    [Fact]
    public void FewerPositionsThanTheNaivePlan_AreReportedAsAFactorFewer() =>
        Assert.Equal("positions run 28,679 / naive plan 532,432 (18.6× fewer)", new WorkCounts(28_679, 532_432).ToString());

    [Fact]
    public void MorePositionsThanTheNaivePlan_AreReportedAsMore_NotAsAFractionFewer() =>
        Assert.Equal("positions run 84,382 / naive plan 79,724 (1.1× more: batch padding)", new WorkCounts(84_382, 79_724).ToString());
}
