using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using EvalTests.TestSupport;

namespace EvalTests.Server.Tests;

/// <summary>
/// A server under load and faults honours or refuses every request: a full queue answers 503 with Retry-After, a client
/// that leaves takes its work with it, and one failing request fails alone.
/// </summary>
public sealed class OverloadAndFailureTests : IDisposable
{
    private readonly HttpClient _http = new();

    public void Dispose() => _http.Dispose();

    private static string Chat(string content) => $$"""{"messages": [{"role": "user", "content": "{{content}}"}], "max_tokens": 4}""";

    private async Task<HttpResponseMessage> PostAsync(OpenAICompatibleServer server, string json, CancellationToken cancellationToken)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        return await _http.PostAsync(new Uri(server.BaseUrl + "/chat/completions"), content, cancellationToken);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 400 && !condition(); i++)
        {
            await Task.Delay(25, TestContext.Current.CancellationToken);
        }

        Assert.True(condition(), "the server never got there");
    }

    [Fact]
    public async Task AFullQueue_Answers503WithRetryAfter_AndTheQueuedRequestsAreStillAnswered()
    {
        var busy = new TaskCompletionSource();
        var started = 0;
        var model = new ScriptedLanguageModel(_ => "ok") { BeforeAnswering = async (_, ct) => { Interlocked.Increment(ref started); await busy.Task.WaitAsync(ct); } };
        await using var server = await OpenAICompatibleServer.StartAsync(model, new ServerOptions { Port = 0, MaxBatchSize = 1, MaxQueuedRequests = 2, BatchWindow = TimeSpan.Zero }, TestContext.Current.CancellationToken);

        var running = PostAsync(server, Chat("first"), TestContext.Current.CancellationToken);
        await WaitUntilAsync(() => Volatile.Read(ref started) == 1);
        var queued = new[] { PostAsync(server, Chat("second"), TestContext.Current.CancellationToken), PostAsync(server, Chat("third"), TestContext.Current.CancellationToken) };
        await WaitUntilAsync(() => server.QueuedRequests == 2);

        using var refused = await PostAsync(server, Chat("fourth"), TestContext.Current.CancellationToken);
        var body = JsonNode.Parse(await refused.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!;

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(1), refused.Headers.RetryAfter?.Delta);
        Assert.Equal("server_error", (string?)body["error"]!["type"]);
        Assert.Contains("queue of 2 requests is full", (string?)body["error"]!["message"], StringComparison.Ordinal);

        busy.SetResult();
        foreach (var response in await Task.WhenAll([running, .. queued]))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            response.Dispose();
        }

        Assert.DoesNotContain(model.Asked, asked => asked.Contains("fourth", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AClientThatLeaves_CancelsItsRunningGeneration_AndIsNeverAskedForWhileQueued()
    {
        var cancelled = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        var longStarted = new TaskCompletionSource();
        var model = new ScriptedLanguageModel(_ => "ok")
        {
            BeforeAnswering = async (requests, ct) =>
            {
                if (requests[0].Prompt.ToPlainText().Contains("long", StringComparison.Ordinal))
                {
                    longStarted.TrySetResult();
                    try
                    {
                        await release.Task.WaitAsync(ct);
                    }
                    catch (OperationCanceledException)
                    {
                        cancelled.TrySetResult();
                        throw;
                    }
                }
            },
        };
        await using var server = await OpenAICompatibleServer.StartAsync(model, new ServerOptions { Port = 0, MaxBatchSize = 1, BatchWindow = TimeSpan.Zero }, TestContext.Current.CancellationToken);

        using var leaving = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var running = PostAsync(server, Chat("a long story"), leaving.Token);
        // The model is busy with it (one request per batch), so whatever comes next waits in the queue.
        await longStarted.Task.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        using var leavingWhileQueued = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var queued = PostAsync(server, Chat("never asked"), leavingWhileQueued.Token);
        await Task.Delay(300, TestContext.Current.CancellationToken);

        await leavingWhileQueued.CancelAsync();
        // The server learns of a disconnect when its connection sees the close, which the client cannot wait for; a
        // second is ample on a loaded 2-core machine (a CI run once released the model first and the queued request was asked).
        await Task.Delay(1000, TestContext.Current.CancellationToken);
        await leaving.CancelAsync();
        await cancelled.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queued);

        using var next = await PostAsync(server, Chat("after"), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
        Assert.DoesNotContain(model.Asked, asked => asked.Contains("never asked", StringComparison.Ordinal));
    }

    [Fact]
    public async Task OneFailingRequest_FailsAlone_ItsBatchMatesAreAnswered()
    {
        var gate = new TaskCompletionSource();
        var model = new ScriptedLanguageModel(prompt => "ok")
        {
            Fails = prompt => prompt.ToPlainText().Contains("boom", StringComparison.Ordinal),
            BeforeAnswering = (requests, ct) => requests[0].Prompt.ToPlainText().Contains("blocker", StringComparison.Ordinal) ? gate.Task.WaitAsync(ct) : Task.CompletedTask,
        };
        await using var server = await OpenAICompatibleServer.StartAsync(model, new ServerOptions { Port = 0, MaxBatchSize = 8, BatchWindow = TimeSpan.Zero }, TestContext.Current.CancellationToken);

        // A first request holds the model, so the next three wait together and form one batch.
        var blocker = PostAsync(server, Chat("blocker"), TestContext.Current.CancellationToken);
        await WaitUntilAsync(() => server.Statistics.Batches == 1);
        var batched = new[] { PostAsync(server, Chat("hello"), TestContext.Current.CancellationToken), PostAsync(server, Chat("boom"), TestContext.Current.CancellationToken), PostAsync(server, Chat("hi"), TestContext.Current.CancellationToken) };
        await WaitUntilAsync(() => server.QueuedRequests == 3);
        gate.SetResult();
        var responses = await Task.WhenAll(batched);
        var bodies = await Task.WhenAll(responses.Select(r => r.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)));

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.InternalServerError, HttpStatusCode.OK], responses.Select(r => r.StatusCode));
        Assert.Equal(2, server.Statistics.Batches);
        Assert.Equal(3, server.Statistics.LargestBatch);
        Assert.Matches(@"error [0-9a-f]{12}; its details are in the server's log", bodies[1]);
        Assert.DoesNotContain("scripted failure", bodies[1], StringComparison.Ordinal);
        foreach (var response in responses.Append(await blocker))
        {
            response.Dispose();
        }
    }
}
