using System.Diagnostics;
using System.Text.Json.Nodes;
using EvalTests.Models;
using EvalTests.Prompts;

namespace EvalTests.Server.Tests;

/// <summary>The official <c>openai</c> npm package, a client we did not write, talks to the server.</summary>
public sealed class NodeClientTests(ServedModelFixture served) : IClassFixture<ServedModelFixture>
{
    [Fact]
    public async Task TheOpenaiNpmPackage_GetsAChatCompletionAStreamAndPromptLogprobs()
    {
        var client = Path.Combine(AppContext.BaseDirectory, "NodeClient");
        if (!Directory.Exists(Path.Combine(client, "node_modules", "openai")))
        {
            var install = await RunAsync("npm", "ci --no-audit --no-fund", client);
            Assert.True(install.ExitCode == 0, $"npm ci failed in {client} (the test installs the openai package from package-lock.json):\n{install.Output}");
        }

        var run = await RunAsync("node", $"client.mjs {served.Server.BaseUrl} {ServedModelFixture.ApiKey}", client);
        Assert.True(run.ExitCode == 0, run.Output);
        var reply = JsonNode.Parse(run.Output.Trim().Split('\n')[^1])!;

        var prompt = Prompt.FromChat([new PromptTurn(TurnRole.Human, "Once upon a time")]);
        var direct = (await served.Model.GenerateAsync([new GenerationRequest(prompt, new GenerationSettings(20, []))], TestContext.Current.CancellationToken))[0];
        Assert.Equal("stories260K", (string?)reply["models"]![0]);
        Assert.Equal(direct.Text, (string?)reply["chat"]!["text"]);
        Assert.Equal(direct.Text, (string?)reply["streamed"]!["text"]);
        Assert.True((int)reply["streamed"]!["chunks"]! > 3);
        Assert.Equal(20, (int)reply["streamed"]!["usage"]!["completion_tokens"]!);

        var scored = (await served.Model.ScoreTextsAsync(["Once upon a time"], cancellationToken: TestContext.Current.CancellationToken))[0];
        var logprobs = reply["completion"]!["token_logprobs"]!.AsArray().Select(v => (double?)v).ToList();
        Assert.Equal(scored.Select(t => t.LogProb), logprobs.Take(scored.Count));
        Assert.Equal(scored.Count + 1, logprobs.Count);
        Assert.StartsWith("Once upon a time", (string?)reply["completion"]!["text"], StringComparison.Ordinal);

        Assert.Equal(404, (int)reply["error"]!["status"]!);

        var sampled = reply["sampled"]!;
        Assert.Equal([0, 1, 2], sampled["indexes"]!.AsArray().Select(i => (int)i!));
        Assert.Equal(Texts(sampled["first"]!), Texts(sampled["again"]!));
        Assert.NotEqual(Texts(sampled["first"]!), Texts(sampled["other"]!));
        Assert.True(Texts(sampled["first"]!).Distinct().Count() > 1, "three seeded choices should differ from one another");
        Assert.InRange((int)sampled["usage"]!["completion_tokens"]!, 3, 36); // three choices of at most 12 tokens

        // Top-2 alternatives per token: none for the first prompt token; a greedy token is its position's likeliest.
        var topCompletion = reply["topCompletion"]!;
        var tops = topCompletion["top_logprobs"]!.AsArray();
        Assert.Null(tops[0]);
        Assert.All(tops.Skip(1), t => Assert.Equal(2, t!.AsObject().Count));
        var generatedToken = (string)topCompletion["tokens"]!.AsArray()[^1]!;
        Assert.Equal((double)topCompletion["token_logprobs"]!.AsArray()[^1]!, tops[^1]!.AsObject().Max(p => (double)p.Value!), 9);
        Assert.Contains(generatedToken, tops[^1]!.AsObject().Select(p => p.Key));
        var chatTop = reply["topChat"]!.AsArray();
        Assert.Equal(4, chatTop.Count);
        Assert.All(chatTop, t =>
        {
            Assert.Equal(2, t!["top_logprobs"]!.AsArray().Count);
            Assert.Equal((string?)t["token"], (string?)t["top_logprobs"]![0]!["token"]);
            Assert.Equal((double)t["logprob"]!, (double)t["top_logprobs"]![0]!["logprob"]!, 9);
        });

        foreach (var field in new[] { "tools", "temperature", "max_tokens", "n" })
        {
            Assert.Equal(400, (int)reply["refused"]![field]!["status"]!);
            Assert.Equal(field, (string?)reply["refused"]![field]!["param"]);
        }
    }

    private static List<string> Texts(JsonNode choices) => [.. choices.AsArray().Select(c => (string)c!)];

    private static async Task<(int ExitCode, string Output)> RunAsync(string program, string arguments, string folder)
    {
        var start = new ProcessStartInfo(program, arguments) { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {program}");
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var error = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        return (process.ExitCode, await output + await error);
    }
}
