using EvalTests.TestSupport;

namespace EvalTests.Xunit.Tests;

/// <summary>Builds one sample user project once; each test runs `dotnet test` on it the way a user would.</summary>
public sealed class SampleProjectFixture : IDisposable
{
    public SampleProjectFixture()
    {
        Project = new SampleProject($"""
                <EvalModel Include="tiny" Path="{TestSupport.SharedData.Model("stories260K")}" SystemPrompt="Say &quot;A&quot; \ nothing else" />
                <EvalDataset Include="ceval_ppl" Limit="2" />
                <EvalDataset Include="ceval_gne" />
                <EvalThreshold Include="ceval-computer_network" MinAccuracy="99" />
                <EvalThreshold Include="ceval-law" MinAccuracy="0" />
                <EvalThreshold Include="ceval-logic" MinAccuracy="60" Confidence="0.95" />
            """,
            properties: "<EvalTestsBatchSize>auto</EvalTestsBatchSize>");
        // A user's own [EvalTheory] methods: one over the humanities group (one row fails), one naming nothing planned.
        File.WriteAllText(Path.Combine(Project.Folder, "Mine.cs"), """
            public sealed class Mine
            {
                [EvalTests.Xunit.EvalTheory("ceval-humanities")]
                public void Humanities_rows(EvalTests.Xunit.SubsetResult subset)
                {
                    Xunit.Assert.Equal(subset.Count, subset.Outcomes.Count);
                    Xunit.Assert.True(subset.Name != "ceval-logic", $"THEORY {subset.Name} group={subset.IsGroup} n={subset.Count} score={subset.Score:F2}");
                }

                [EvalTests.Xunit.EvalTheory("mmlu")]
                public void Nothing_planned(EvalTests.Xunit.SubsetResult subset) => Xunit.Assert.NotNull(subset);
            }
            """);
        var (exit, output) = Project.Build();
        BuildOutput = output;
        Built = exit == 0;
    }

    public SampleProject Project { get; }

    public bool Built { get; }

    public string BuildOutput { get; }

    /// <summary>The snapshot text the model accepted, once a test has accepted it.</summary>
    public string? AcceptedSnapshot { get; set; }

    public void Dispose() => Project.Dispose();
}

/// <summary>
/// Every test that builds a sample project: each build also builds the repository projects it references, so two at
/// once race on the same obj/bin files (a CI run failed a build that way); they run one at a time.
/// </summary>
[CollectionDefinition(nameof(SampleProjectRuns), DisableParallelization = true)]
public sealed class SampleProjectRuns : ICollectionFixture<SampleProjectFixture>;
