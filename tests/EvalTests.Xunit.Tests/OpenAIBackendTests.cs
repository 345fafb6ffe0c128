using EvalTests.TestSupport;

namespace EvalTests.Xunit.Tests;

/// <summary>An <c>&lt;EvalModel Backend="openai"&gt;</c> item evaluates an API model through <c>dotnet test</c>, and no file of the run holds its key.</summary>
[Collection(nameof(SampleProjectRuns))]
public sealed class OpenAIBackendTests
{
    [Fact]
    public async Task AnOpenaiEvalModelItem_RunsThroughDotnetTestResumesWithEVALTESTSREUSEAndWritesItsKeyNowhere()
    {
        const string Key = "sk-sample-project-secret-4f1c";
        await using var server = await ScriptedOpenAIServer.StartAsync((_, _) => ServerFault.None, answer: _ => "B");
        using var project = new SampleProject($"""
                <EvalModel Include="api" Backend="openai" BaseUrl="{server.BaseUrl}" ApiKeyEnv="EVALTESTS_SAMPLE_KEY" ModelName="scripted-model" Qps="50" CacheDir="responses" />
                <EvalDataset Include="ceval_gen" Limit="2" />
                <EvalThreshold Include="ceval-law" MinAccuracy="0" />
            """);
        var (built, buildOutput) = project.Build();
        Assert.True(built == 0, buildOutput);

        var results = Path.Combine(project.Folder, "trx");
        var (exit, output) = project.Run(["test", "--no-build", "--filter", "ceval-law", "--output", "Detailed", "--report-trx", "--results-directory", results],
            new Dictionary<string, string> { ["EVALTESTS_SAMPLE_KEY"] = Key });

        Assert.True(exit == 0, output);
        Assert.Matches(@"RESULT ceval-law model=api mode=gen accuracy=\d+\.\d\d stderr=\d+\.\d\d n=2", output);
        Assert.Equal(2, server.Requests.Count(r => r.Path == "/v1/chat/completions"));
        Assert.Single(Directory.GetFiles(Path.Combine(project.Folder, "responses"), "openai_scripted-model@*.jsonl")); // the model and the server that answered
        // Continued with EVALTESTS_REUSE (and no response cache), the run's checkpoint answers everything.
        Directory.Delete(Path.Combine(project.Folder, "responses"), recursive: true);
        var (again, againOutput) = project.Run(["test", "--no-build", "--filter", "ceval-law", "--output", "Detailed"],
            new Dictionary<string, string> { ["EVALTESTS_SAMPLE_KEY"] = Key, ["EVALTESTS_REUSE"] = "latest" });
        Assert.True(again == 0, againOutput);
        Assert.Equal(2, server.Requests.Count(r => r.Path == "/v1/chat/completions"));
        Assert.Single(Directory.GetDirectories(Path.Combine(project.Folder, "outputs", "default")));

        foreach (var file in Directory.EnumerateFiles(project.Folder, "*", SearchOption.AllDirectories).Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)))
        {
            Assert.DoesNotContain(Key, File.ReadAllText(file), StringComparison.Ordinal);
        }
    }
}
