using System.Diagnostics;
using System.Text.Json.Nodes;
using EvalTests.Datasets;
using EvalTests.Models;
using EvalTests.Prompts;
using EvalTests.Runs;
using EvalTests.TestSupport;

namespace EvalTests.OpenAI.Tests;

/// <summary>An evaluation against an API that rate-limits, fails, stalls and drops connections still finishes, loses nothing and leaks no key.</summary>
public sealed class ApiFaultTests : IDisposable
{
    private const double Qps = 8;
    private readonly TempDirectory _work = new();
    private readonly string _keyVariable = "EVALTESTS_TEST_KEY_" + Guid.NewGuid().ToString("N")[..8];
    private readonly string _key = "sk-test-" + Guid.NewGuid().ToString("N");

    public ApiFaultTests() => Environment.SetEnvironmentVariable(_keyVariable, _key);

    public void Dispose()
    {
        Environment.SetEnvironmentVariable(_keyVariable, null);
        _work.Dispose();
    }

    private OpenAIModelOptions Options(Uri baseUrl) => new()
    {
        BaseUrl = baseUrl,
        ApiKeyVariable = _keyVariable,
        Model = "scripted-model",
        QueriesPerSecond = Qps,
        MaxConcurrency = 4,
        MaxRetries = 3,
        InitialBackoff = TimeSpan.FromMilliseconds(20),
        RequestTimeout = TimeSpan.FromSeconds(1),
        CacheFolder = _work.Combine("cache"),
    };

    private static string Locate(DatasetCard card) => Path.Combine(SharedData.Datasets, card.Name);

    /// <summary>Chat requests 2, 4, 6, 8 and 10 meet each fault once; the question about 802.3 always gets a 500.</summary>
    private static Func<string, string, ServerFault> OneOfEachFault()
    {
        var chat = 0;
        return (path, body) =>
        {
            if (path != "/v1/chat/completions")
            {
                return ServerFault.None;
            }

            if (body.Contains("802.3", StringComparison.Ordinal))
            {
                return ServerFault.ServerError;
            }

            return Interlocked.Increment(ref chat) switch
            {
                2 => ServerFault.TooManyRequests,
                4 => ServerFault.ServerError,
                6 => ServerFault.MalformedJson,
                8 => ServerFault.Stall,
                10 => ServerFault.DropConnection,
                _ => ServerFault.None,
            };
        };
    }

    [Fact]
    public async Task ARunThroughEveryFault_FinishesKeepsEachAnswerAndReportsTheFailurePerSample()
    {
        await using var server = await ScriptedOpenAIServer.StartAsync(OneOfEachFault());
        await using var model = await OpenAILanguageModel.ConnectAsync(Options(server.BaseUrl) with { PromptLogProbs = false }, TestContext.Current.CancellationToken);
        var plan = RunPlan.Create(DatasetCatalog.Default, ["ceval_gen"], ["computer_network"]);

        var result = await new EvaluationRunner(model, new RunSettings { WorkDir = _work.Combine("outputs"), BatchSize = 8 }).RunAsync(plan, Locate, TestContext.Current.CancellationToken);

        var samples = result.Tasks.Single().Samples;
        Assert.Equal(19, samples.Count);
        var failed = Assert.Single(samples, s => s.Outcome == Scoring.SampleOutcome.Errored);
        Assert.Contains("HTTP 500", failed.Error, StringComparison.Ordinal);
        Assert.Contains("after 4 attempt(s)", failed.Error, StringComparison.Ordinal);
        Assert.All(samples.Where(s => s != failed), s => Assert.Equal("A", s.Output));

        var predictions = JsonNode.Parse(File.ReadAllText(result.Layout.Predictions("scripted-model", "ceval-computer_network")))!.AsObject();
        Assert.Equal(19, predictions.Count);
        Assert.Equal(18, predictions.Count(p => (string?)p.Value!["prediction"] == "A"));

        var usage = model.Usage;
        Assert.Equal(1, usage.Failures);
        Assert.True(usage.Retries >= 5 + 3, $"retries {usage.Retries}");
        var summary = JsonNode.Parse(File.ReadAllText(result.Layout.SummaryFile(result.SummaryTimestamp, "json")))!;
        Assert.Equal(usage.Retries, (long)summary["usage"]!["retries"]!);

        AssertRateHeld(server.Requests.Where(r => r.Path == "/v1/chat/completions").ToList(), Qps);
        AssertKeyAbsent(_work.Path);
    }

    [Fact]
    public async Task ARerun_AnswersFromTheCacheAndSendsOnlyWhatFailedBefore()
    {
        await using var server = await ScriptedOpenAIServer.StartAsync(OneOfEachFault());
        var plan = RunPlan.Create(DatasetCatalog.Default, ["ceval_gen"], ["computer_network"]);
        var settings = new RunSettings { WorkDir = _work.Combine("outputs"), BatchSize = 8 };
        RunResult first;
        await using (var model = await OpenAILanguageModel.ConnectAsync(Options(server.BaseUrl) with { PromptLogProbs = false }, TestContext.Current.CancellationToken))
        {
            first = await new EvaluationRunner(model, settings with { Timestamp = "first" }).RunAsync(plan, Locate, TestContext.Current.CancellationToken);
        }

        var sentBefore = server.Requests.Count(r => r.Path == "/v1/chat/completions");
        await using var again = await OpenAILanguageModel.ConnectAsync(Options(server.BaseUrl) with { PromptLogProbs = false }, TestContext.Current.CancellationToken);
        var second = await new EvaluationRunner(again, settings with { Timestamp = "second" }).RunAsync(plan, Locate, TestContext.Current.CancellationToken);

        // Failed replies are never cached: only the question that always fails is asked again (1 + 3 retries).
        Assert.Equal(4, server.Requests.Count(r => r.Path == "/v1/chat/completions") - sentBefore);
        Assert.Equal(18, again.Usage.CacheHits);
        Assert.Equal(first.Summary.ToText(), second.Summary.ToText());
        AssertKeyAbsent(_work.Path);
    }

    [Fact]
    public async Task Retry_After_is_honoured_before_the_next_attempt()
    {
        var calls = 0;
        await using var server = await ScriptedOpenAIServer.StartAsync((path, _) => path == "/v1/chat/completions" && Interlocked.Increment(ref calls) == 1 ? ServerFault.TooManyRequests : ServerFault.None);
        await using var model = await OpenAILanguageModel.ConnectAsync(Options(server.BaseUrl) with { PromptLogProbs = false, CacheFolder = null }, TestContext.Current.CancellationToken);

        var result = (await model.GenerateAsync([Question("hello")], TestContext.Current.CancellationToken))[0];

        Assert.Equal("A", result.Text);
        var attempts = server.Requests.Where(r => r.Path == "/v1/chat/completions").ToList();
        Assert.Equal(2, attempts.Count);
        Assert.True(Stopwatch.GetElapsedTime(attempts[0].Timestamp, attempts[1].Timestamp) >= TimeSpan.FromSeconds(0.95));
    }

    [Fact]
    public async Task ARefusedKey_IsNotRetriedAndTheErrorDoesNotRepeatTheKey()
    {
        await using var server = await ScriptedOpenAIServer.StartAsync((path, _) => path == "/v1/chat/completions" ? ServerFault.Unauthorized : ServerFault.None);
        await using var model = await OpenAILanguageModel.ConnectAsync(Options(server.BaseUrl) with { PromptLogProbs = false }, TestContext.Current.CancellationToken);

        var result = (await model.GenerateAsync([Question("hello")], TestContext.Current.CancellationToken))[0];

        Assert.Single(server.Requests, r => r.Path == "/v1/chat/completions");
        Assert.StartsWith("chat completion was refused: HTTP 401 (Unauthorized): Incorrect API key provided: ***", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(_key, result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Retries_StopAtTheTotalTimeLimitEvenWhenAttemptsRemain()
    {
        await using var server = await ScriptedOpenAIServer.StartAsync((path, _) => path == "/v1/chat/completions" ? ServerFault.TooManyRequests : ServerFault.None, retryAfterSeconds: 2);
        await using var model = await OpenAILanguageModel.ConnectAsync(Options(server.BaseUrl) with { PromptLogProbs = false, MaxRetryDuration = TimeSpan.FromSeconds(1) }, TestContext.Current.CancellationToken);

        var result = (await model.GenerateAsync([Question("hello")], TestContext.Current.CancellationToken))[0];

        Assert.Single(server.Requests, r => r.Path == "/v1/chat/completions");
        Assert.Contains("failed after 1 attempt(s)", result.Error, StringComparison.Ordinal);
        Assert.Contains("HTTP 429", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PplMode_IsRefusedBeforeTheRunWhenTheServerHasNoPromptLogprobs()
    {
        await using var server = await ScriptedOpenAIServer.StartAsync((_, _) => ServerFault.None, servesLogProbs: false);
        await using var model = await OpenAILanguageModel.ConnectAsync(Options(server.BaseUrl), TestContext.Current.CancellationToken);
        var plan = RunPlan.Create(DatasetCatalog.Default, ["ceval_ppl"], ["computer_network"]);

        var refusal = await Assert.ThrowsAsync<NotSupportedException>(() => new EvaluationRunner(model, new RunSettings { WorkDir = _work.Path }).RunAsync(plan, Locate, TestContext.Current.CancellationToken));

        Assert.Contains("cannot serve ppl mode (ceval_ppl", refusal.Message, StringComparison.Ordinal);
        Assert.Contains("does not return prompt log-probabilities (echo + logprobs)", refusal.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(server.Requests, r => r.Path == "/v1/chat/completions");
    }

    [Fact]
    public async Task Ppl_ScoresComeFromTheEchoedPromptTokensWithoutTheGeneratedOne()
    {
        await using var server = await ScriptedOpenAIServer.StartAsync((_, _) => ServerFault.None);
        await using var model = await OpenAILanguageModel.ConnectAsync(Options(server.BaseUrl), TestContext.Current.CancellationToken);
        var prompt = new Prompt([new PromptTurn(TurnRole.Human, "Question?"), new PromptTurn(TurnRole.Bot, "B")]);

        var score = (await model.LogLikelihoodAsync([new LogLikelihoodRequest(prompt)], TestContext.Current.CancellationToken))[0];

        // "Question?\nB" is 11 characters: the scripted server scores character i with -(i mod 7)/10 after a BOS.
        var expected = Enumerable.Range(0, 11).Select(i => -(i % 7) / 10.0).ToList();
        Assert.Equal(expected, score.TokenLogProbs);
        Assert.Equal(2, score.ContinuationTokens);
        Assert.True(model.Descriptor.Capabilities.HasFlag(ModelCapabilities.LogLikelihood));
    }

    [Fact]
    public async Task TheModelName_IsTakenFromV1ModelsWhenNoneIsGiven()
    {
        await using var server = await ScriptedOpenAIServer.StartAsync((_, _) => ServerFault.None);
        await using var model = await OpenAILanguageModel.ConnectAsync(Options(server.BaseUrl) with { Model = null, PromptLogProbs = false }, TestContext.Current.CancellationToken);

        Assert.Equal("scripted-model", model.ModelName);
        Assert.Equal("openai:scripted-model", model.Descriptor.Identity);
    }

    [Fact]
    public async Task ACacheFileTornByAKill_IsReadUpToTheTornLineAndAppendedAfterIt()
    {
        await using var server = await ScriptedOpenAIServer.StartAsync((_, _) => ServerFault.None);
        var options = Options(server.BaseUrl) with { PromptLogProbs = false };
        await using (var model = await OpenAILanguageModel.ConnectAsync(options, TestContext.Current.CancellationToken))
        {
            await model.GenerateAsync([Question("one")], TestContext.Current.CancellationToken);
        }

        var file = Assert.Single(Directory.GetFiles(options.CacheFolder!));
        File.AppendAllText(file, "{\"key\": \"torn");
        await using (var model = await OpenAILanguageModel.ConnectAsync(options, TestContext.Current.CancellationToken))
        {
            await model.GenerateAsync([Question("one"), Question("two")], TestContext.Current.CancellationToken);
            Assert.Equal(1, model.Usage.CacheHits);
        }

        var lines = File.ReadAllLines(file);
        Assert.Equal(1, lines.Count(l => l.StartsWith("{\"key\": \"torn", StringComparison.Ordinal)));
        Assert.All(lines.Where(l => !l.Contains("torn", StringComparison.Ordinal)), l => Assert.NotNull(JsonNode.Parse(l)));
    }

    [Fact]
    public async Task TwoServersNamingTheirModelAlike_NeverAnswerFromEachOthersCache()
    {
        await using var first = await ScriptedOpenAIServer.StartAsync((_, _) => ServerFault.None, answer: _ => "A");
        await using var second = await ScriptedOpenAIServer.StartAsync((_, _) => ServerFault.None, answer: _ => "B");
        IReadOnlyList<GenerationResult> answers;
        await using (var model = await OpenAILanguageModel.ConnectAsync(Options(first.BaseUrl) with { PromptLogProbs = false }, TestContext.Current.CancellationToken))
        {
            await model.GenerateAsync([Question("one")], TestContext.Current.CancellationToken);
        }

        await using (var model = await OpenAILanguageModel.ConnectAsync(Options(second.BaseUrl) with { PromptLogProbs = false }, TestContext.Current.CancellationToken))
        {
            answers = await model.GenerateAsync([Question("one")], TestContext.Current.CancellationToken);
            Assert.Equal(0, model.Usage.CacheHits);
            Assert.Equal("openai:scripted-model", model.Descriptor.Identity); // the same model, for reports and snapshots
        }

        Assert.Equal("B", answers[0].Text);
        Assert.Equal(2, Directory.GetFiles(_work.Combine("cache")).Length); // one cache per server
    }

    [Fact]
    public async Task AProbeTheServerFailedToAnswer_IsAskedAgainNextTime_NotCachedAsARefusal()
    {
        var failing = true;
        await using var server = await ScriptedOpenAIServer.StartAsync((path, _) => failing && path == "/v1/completions" ? ServerFault.ServerError : ServerFault.None);
        await using (var model = await OpenAILanguageModel.ConnectAsync(Options(server.BaseUrl), TestContext.Current.CancellationToken))
        {
            Assert.False(model.Descriptor.Capabilities.HasFlag(ModelCapabilities.LogLikelihood));
            Assert.Contains("did not answer", model.Descriptor.Limitations, StringComparison.Ordinal);
        }

        failing = false;
        await using (var model = await OpenAILanguageModel.ConnectAsync(Options(server.BaseUrl), TestContext.Current.CancellationToken))
        {
            Assert.True(model.Descriptor.Capabilities.HasFlag(ModelCapabilities.LogLikelihood));
        }
    }

    [Fact]
    public async Task AMissingKeyVariable_IsNamedInTheError()
    {
        var options = new OpenAIModelOptions { BaseUrl = new Uri("http://127.0.0.1:9/v1"), ApiKeyVariable = "EVALTESTS_SURELY_UNSET_VARIABLE" };

        var error = await Assert.ThrowsAsync<ArgumentException>(() => OpenAILanguageModel.ConnectAsync(options, TestContext.Current.CancellationToken));

        Assert.Contains("EVALTESTS_SURELY_UNSET_VARIABLE is not set", error.Message, StringComparison.Ordinal);
    }

    private static GenerationRequest Question(string text) =>
        new(new Prompt([new PromptTurn(TurnRole.Human, text), new PromptTurn(TurnRole.Bot, string.Empty)]), new GenerationSettings(8, []));

    /// <summary>
    /// Requests start 1/QPS apart. Arrival adds latency that varies under load (the first request also opens the
    /// connection and warms the SDK), so the rate is checked over every window of five requests with 150 ms of slack —
    /// without the limit they would arrive within a few milliseconds — and over the run after the first request.
    /// </summary>
    private static void AssertRateHeld(IReadOnlyList<ReceivedRequest> requests, double qps)
    {
        Assert.True(requests.Count > 10);
        const int Window = 5;
        var minimum = TimeSpan.FromSeconds((Window - 1) / qps) - TimeSpan.FromMilliseconds(150);
        for (var i = 0; i + Window - 1 < requests.Count; i++)
        {
            var span = Stopwatch.GetElapsedTime(requests[i].Timestamp, requests[i + Window - 1].Timestamp);
            Assert.True(span >= minimum, $"requests {i + 1}..{i + Window} arrived within {span.TotalMilliseconds:F1} ms at {qps} QPS");
        }

        var measured = (requests.Count - 2) / Stopwatch.GetElapsedTime(requests[1].Timestamp, requests[^1].Timestamp).TotalSeconds;
        Assert.True(measured <= qps * 1.05, $"measured {measured:F2} QPS against {qps}");
        TestContext.Current.SendDiagnosticMessage($"measured {measured:F2} QPS against {qps} configured over {requests.Count} requests");
    }

    private void AssertKeyAbsent(string folder)
    {
        foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories))
        {
            Assert.DoesNotContain(_key, File.ReadAllText(file), StringComparison.Ordinal);
        }
    }
}
