using EvalTests.TestSupport;

namespace EvalTests.Xunit.Tests;

[Collection(nameof(SampleProjectRuns))]
public sealed class EvalTheoryTests
{
    [Fact]
    public void AnEvalTheory_HasOneRowPerPlannedSubsetAndGroup_EachGivenItsResult()
    {
        using var project = new SampleProject($"""
                <EvalModel Include="tiny" Path="{SharedData.Model("stories260K").Replace('\\', '/')}" />
                <EvalDataset Include="ceval_ppl" Limit="2" />
            """);
        File.WriteAllText(Path.Combine(project.Folder, "Mine.cs"), """
            public sealed class Mine
            {
                [EvalTests.Xunit.EvalTheory("ceval-hard")]
                public void Hard_rows(EvalTests.Xunit.SubsetResult subset)
                {
                    Xunit.Assert.Equal(subset.Count, subset.Outcomes.Count);
                    Xunit.Assert.True(subset.Name != "ceval-college_physics", $"THEORY {subset.Name} group={subset.IsGroup} n={subset.Count} score={subset.Score:F2}");
                }
            }
            """);
        var (built, buildOutput) = project.Build();
        Assert.True(built == 0, buildOutput);

        var (listed, list) = project.Test("--list-tests");
        var (exit, output) = project.Test("--filter", "FullyQualifiedName~Hard_rows|FullyQualifiedName~ceval-law", "--output", "Detailed");

        Assert.True(listed == 0, list);
        Assert.Contains("Hard_rows(ceval-hard [tiny, ceval_ppl])", list, StringComparison.Ordinal);
        Assert.Contains("Hard_rows(ceval-college_physics [tiny, ceval_ppl])", list, StringComparison.Ordinal);
        Assert.NotEqual(0, exit);
        // ceval-hard: 8 subjects and the group; one row fails with its result in the message, the others pass.
        Assert.Matches(@"failed Hard_rows\(ceval-college_physics \[tiny, ceval_ppl\]\)", output);
        Assert.Matches(@"THEORY ceval-college_physics group=False n=2 score=\d+\.\d\d", output);
        Assert.Matches(@"passed Hard_rows\(ceval-hard \[tiny, ceval_ppl\]\)", output);
        Assert.Matches(@"succeeded:\s+9\b", output); // 8 rows and the built-in ceval-law case
        Assert.Contains("model loads in this run: 1", output, StringComparison.Ordinal);
    }

    [Fact]
    public void AnEvalTheoryNamingNothingPlanned_IsAFailingCaseThatSaysSo()
    {
        using var project = new SampleProject($"""
                <EvalModel Include="tiny" Path="{SharedData.Model("stories260K").Replace('\\', '/')}" />
                <EvalDataset Include="ceval_ppl" Limit="1" />
            """);
        File.WriteAllText(Path.Combine(project.Folder, "Mine.cs"), """
            public sealed class Mine
            {
                [EvalTests.Xunit.EvalTheory("mmlu")]
                public void Rows(EvalTests.Xunit.SubsetResult subset) => Xunit.Assert.NotNull(subset);
            }
            """);
        var (built, buildOutput) = project.Build();
        Assert.True(built == 0, buildOutput);

        var (exit, output) = project.Test("--filter", "FullyQualifiedName~Mine");

        Assert.NotEqual(0, exit);
        Assert.Contains("[EvalTheory(\"mmlu\")]: no planned subset or group is named mmlu", output, StringComparison.Ordinal);
    }
}
