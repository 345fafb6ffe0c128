using System.Text.Json.Nodes;
using EvalTests.TestSupport;

namespace EvalTests.Cli.Tests;

/// <summary>`run --lark` / `--notify`: start, summary and failure posted to webhooks on loopback, the URL never printed.</summary>
public sealed class NotificationTests : IDisposable
{
    private readonly TempDirectory _work = new();

    public void Dispose() => _work.Dispose();

    [Fact]
    public async Task ARun_PostsItsStartAndSummary_ToLarkAndToASlackCompatibleHook()
    {
        await using var hooks = await ScriptedOpenAIServer.StartAsync((_, _) => ServerFault.None);
        var lark = new Uri(hooks.BaseUrl, "/lark/secret-token").AbsoluteUri;
        var variable = $"EVALTESTS_TEST_HOOK_{Guid.NewGuid():N}";
        Environment.SetEnvironmentVariable(variable, new Uri(hooks.BaseUrl, "/slack/another-token").AbsoluteUri);
        try
        {
            var output = await CliRunner.RunOkAsync("run", "--model", SharedData.Model("stories260K"), "--datasets", "ceval_gen", "--subsets", "law", "--limit", "1",
                "--max-out-len", "4", "--data-root", SharedData.Datasets, "-w", _work.Path, "--lark", lark, "--notify", $"env:{variable}");

            var larkBodies = hooks.Requests.Where(r => r.Path == "/lark/secret-token").Select(r => JsonNode.Parse(r.Body)!).ToList();
            var slackBodies = hooks.Requests.Where(r => r.Path == "/slack/another-token").Select(r => JsonNode.Parse(r.Body)!).ToList();
            Assert.Equal(2, larkBodies.Count);
            Assert.Equal("text", (string?)larkBodies[0]["msg_type"]);
            Assert.Matches(@"^\S+'s task has been launched!\nevaltests run ", (string?)larkBodies[0]["content"]!["text"]);
            Assert.Matches(@"^\S+ 的详细评测汇总已输出至 .+summary_\d{8}_\d{6}\.txt\n\ndataset\s+version\s+metric\s+mode\s+stories260K\n", (string?)larkBodies[1]["content"]!["text"]);
            Assert.Equal(2, slackBodies.Count);
            Assert.Contains("ceval-law", (string?)slackBodies[1]["text"], StringComparison.Ordinal);
            Assert.DoesNotContain("secret-token", output, StringComparison.Ordinal);
            Assert.DoesNotContain("another-token", output, StringComparison.Ordinal);
            Assert.DoesNotContain("secret-token", (string?)larkBodies[0]["content"]!["text"], StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    [Fact]
    public async Task AFailedRun_PostsTheFailureAsATitledLarkPost()
    {
        await using var hooks = await ScriptedOpenAIServer.StartAsync((_, _) => ServerFault.None);

        var (exit, _, error) = await CliRunner.RunAsync("run", "--model", SharedData.Model("stories260K"), "--datasets", "ceval_gen", "--subsets", "law",
            "--data-root", _work.Combine("no-data-here"), "-w", _work.Path, "--lark", new Uri(hooks.BaseUrl, "/lark").AbsoluteUri);

        Assert.Equal(1, exit);
        var failure = JsonNode.Parse(hooks.Requests.Last(r => r.Path == "/lark").Body)!;
        Assert.Equal("post", (string?)failure["msg_type"]);
        Assert.Equal("EvalTests: the run failed", (string?)failure["content"]!["post"]!["zh_cn"]!["title"]);
        var text = (string?)failure["content"]!["post"]!["zh_cn"]!["content"]![0]![0]!["text"];
        Assert.Matches(@"^\S+'s task failed: ", text);
        Assert.Contains("no-data-here", text, StringComparison.Ordinal); // the error the console shows too
        Assert.Contains("no-data-here", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUnreachableHook_IsAWarning_NotAFailedRun()
    {
        var output = await CliRunner.RunOkAsync("run", "--model", SharedData.Model("stories260K"), "--datasets", "ceval_gen", "--subsets", "law", "--limit", "1",
            "--max-out-len", "4", "--data-root", SharedData.Datasets, "-w", _work.Path, "--notify", "http://127.0.0.1:9/hook-token");

        Assert.Contains("warning: the Slack notification (URL from --notify) could not be sent", output, StringComparison.Ordinal);
        Assert.DoesNotContain("hook-token", output, StringComparison.Ordinal);
    }
}
