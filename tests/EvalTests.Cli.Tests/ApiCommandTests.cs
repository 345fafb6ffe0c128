using System.Net.Http.Json;
using System.Text.Json.Nodes;
using EvalTests.TestSupport;

namespace EvalTests.Cli.Tests;

/// <summary><c>run --base-url</c> evaluates an API model; <c>serve</c> makes a local model one.</summary>
public sealed class ApiCommandTests : IDisposable
{
    private readonly TempDirectory _work = new();

    public void Dispose() => _work.Dispose();

    [Fact]
    public async Task RunAgainstAnAPI_PrintsTheSummaryAndWhatTheAPISpent()
    {
        await using var server = await ScriptedOpenAIServer.StartAsync((_, _) => ServerFault.None, answer: _ => "C");

        var (exit, output, error) = await CliRunner.RunAsync(
            "run", "--base-url", server.BaseUrl.ToString(), "--api-key-env", "none", "--datasets", "ceval_gen", "--subsets", "computer_network",
            "--data-root", SharedData.Datasets, "-w", _work.Combine("outputs"), "--qps", "100", "--cache-dir", _work.Combine("cache"));

        Assert.True(exit == 0, error + output);
        Assert.Contains("Model scripted-model (openai:scripted-model)", output, StringComparison.Ordinal);
        Assert.Matches(@"ceval-computer_network\s+[0-9a-f]{6}\s+accuracy\s+gen\s+\d+\.\d\d", output);
        Assert.Contains("API usage: requests 20 (retries 0), failed 0, cache hits 0", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_NamesTheUnsetKeyVariable()
    {
        var (exit, _, error) = await CliRunner.RunAsync(
            "run", "--base-url", "http://127.0.0.1:9/v1", "--api-key-env", "EVALTESTS_NO_SUCH_KEY", "--datasets", "ceval_gen", "--data-root", SharedData.Datasets);

        Assert.Equal(1, exit);
        Assert.Contains("error: The API key's environment variable EVALTESTS_NO_SUCH_KEY is not set.", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_RefusesABaseUrlThatIsNotHttp()
    {
        var (exit, _, error) = await CliRunner.RunAsync("run", "--base-url", "127.0.0.1:8000", "--datasets", "ceval_gen", "--data-root", SharedData.Datasets);

        Assert.Equal(1, exit);
        Assert.Contains("--base-url '127.0.0.1:8000' is not an http(s) URL", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_AnswersOnLoopbackUntilCancelled()
    {
        var port = FreePort();
        using var stop = new CancellationTokenSource();
        using var output = new StringWriter();
        var serving = EvalTestsCommand.InvokeAsync(["serve", "--model", SharedData.Model("stories260K"), "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture)],
            TextWriter.Synchronized(output), TextWriter.Null, new Spectre.Console.Testing.TestConsole(), stop.Token);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };

        JsonNode? models = null;
        for (var attempt = 0; attempt < 100 && models is null; attempt++)
        {
            try
            {
                models = await http.GetFromJsonAsync<JsonNode>("v1/models", TestContext.Current.CancellationToken);
            }
            catch (HttpRequestException)
            {
                await Task.Delay(100, TestContext.Current.CancellationToken);
            }
        }

        await stop.CancelAsync();
        Assert.Equal(0, await serving);
        Assert.Equal("stories260K", (string?)models!["data"]![0]!["id"]);
        Assert.Contains($"Serving stories260K at http://127.0.0.1:{port}/v1", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("Served 0 request(s)", output.ToString(), StringComparison.Ordinal);
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    [Fact]
    public async Task TwoWorkerProcesses_ShareOneResponseCache_AndEveryAnswerIsInItOnce()
    {
        await using var server = await ScriptedOpenAIServer.StartAsync((_, _) => ServerFault.None, answer: _ => "C");
        var cache = _work.Combine("cache");

        var (exit, output, error) = await CliRunner.RunAsync(
            "run", "--base-url", server.BaseUrl.ToString(), "--api-key-env", "none", "--datasets", "ceval_gen", "--subsets", "computer_network", "law",
            "--limit", "15", "--data-root", SharedData.Datasets, "-w", _work.Combine("outputs"), "--qps", "1000", "--cache-dir", cache, "--max-num-workers", "2");

        // Two processes appended to one cache file: no line torn or lost, no answer twice (each worker may record the
        // server's capabilities probe itself: the same value under the same key).
        Assert.True(exit == 0, error + output);
        var entries = Directory.GetFiles(cache, "*.jsonl", SearchOption.AllDirectories).SelectMany(File.ReadAllLines)
            .Select(line => System.Text.Json.Nodes.JsonNode.Parse(line)!).ToList();
        var answers = entries.Where(e => e["value"]?["text"] is not null).Select(e => (string)e["key"]!).ToList();
        Assert.Equal(30, server.Requests.Count(r => r.Path.EndsWith("/chat/completions", StringComparison.Ordinal)));
        Assert.Equal(30, answers.Count);
        Assert.Equal(answers.Count, answers.Distinct().Count());
    }
}
