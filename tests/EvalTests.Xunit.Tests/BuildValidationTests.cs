using EvalTests.TestSupport;

namespace EvalTests.Xunit.Tests;

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
