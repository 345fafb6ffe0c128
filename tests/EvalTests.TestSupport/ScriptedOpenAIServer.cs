using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EvalTests.TestSupport;

/// <summary>What the scripted server does with one request.</summary>
public enum ServerFault
{
    /// <summary>Answers normally.</summary>
    None,

    /// <summary>429 with <c>Retry-After</c>.</summary>
    TooManyRequests,

    /// <summary>500 with an OpenAI error body.</summary>
    ServerError,

    /// <summary>200 whose body is not JSON.</summary>
    MalformedJson,

    /// <summary>Never answers (until the client gives up).</summary>
    Stall,

    /// <summary>Starts a 200 reply and drops the connection halfway.</summary>
    DropConnection,

    /// <summary>401 whose message echoes the key it was sent, as some providers do.</summary>
    Unauthorized,
}

/// <summary>A request the scripted server received.</summary>
/// <param name="Number">1-based arrival order over all paths.</param>
/// <param name="Path">The URL path.</param>
/// <param name="Timestamp">Arrival time (<see cref="Stopwatch.GetTimestamp"/>).</param>
/// <param name="Body">The request body.</param>
/// <param name="Fault">What the script did with it.</param>
public sealed record ReceivedRequest(int Number, string Path, long Timestamp, string Body, ServerFault Fault);

/// <summary>
/// A loopback OpenAI-compatible server whose replies are scripted: healthy chat and completion replies, or the faults
/// of <see cref="ServerFault"/> chosen per request, with every request recorded (for request counts and QPS).
/// </summary>
public sealed class ScriptedOpenAIServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedRequest> _requests = new();
    private int _count;

    private ScriptedOpenAIServer(WebApplication app) => _app = app;

    /// <summary>The API base (<c>http://127.0.0.1:port/v1</c>).</summary>
    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>Every request so far, in arrival order.</summary>
    public IReadOnlyList<ReceivedRequest> Requests => [.. _requests.OrderBy(r => r.Number)];

    /// <summary>Starts the server.</summary>
    /// <param name="fault">The fault for a request, from its path and body (the healthy reply when None).</param>
    /// <param name="answer">The chat answer for the last user message.</param>
    /// <param name="servesLogProbs">Whether <c>/v1/completions</c> serves echo + logprobs (else 404, as chat-only APIs answer).</param>
    /// <param name="retryAfterSeconds">The <c>Retry-After</c> of a 429.</param>
    public static async Task<ScriptedOpenAIServer> StartAsync(Func<string, string, ServerFault> fault, Func<string, string>? answer = null, bool servesLogProbs = true, int retryAfterSeconds = 1)
    {
        answer ??= _ => "A";
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var server = new ScriptedOpenAIServer(app);
        app.Run(async context =>
        {
            var arrived = Stopwatch.GetTimestamp();
            var body = await new StreamReader(context.Request.Body).ReadToEndAsync(context.RequestAborted);
            var path = context.Request.Path.Value ?? string.Empty;
            var what = fault(path, body);
            server._requests.Enqueue(new ReceivedRequest(Interlocked.Increment(ref server._count), path, arrived, body, what));
            await ReplyAsync(context, path, body, what, answer, servesLogProbs, retryAfterSeconds);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.BaseUrl = new Uri(address.TrimEnd('/') + "/v1");
        return server;
    }

    private static async Task ReplyAsync(HttpContext context, string path, string body, ServerFault fault, Func<string, string> answer, bool servesLogProbs, int retryAfterSeconds)
    {
        switch (fault)
        {
            case ServerFault.TooManyRequests:
                context.Response.Headers.RetryAfter = retryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                await Json(context, 429, Error("Rate limit reached for requests", "rate_limit_exceeded"));
                return;
            case ServerFault.ServerError:
                await Json(context, 500, Error("The server had an error while processing your request.", null));
                return;
            case ServerFault.MalformedJson:
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync("<html>502 Bad Gateway</html>");
                return;
            case ServerFault.Stall:
                await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
                return;
            case ServerFault.DropConnection:
                context.Response.ContentType = "application/json";
                context.Response.ContentLength = 4096;
                await context.Response.WriteAsync("{\"id\": \"chatcmpl-1\", \"choices\": [{\"index\": 0, \"mess");
                await context.Response.Body.FlushAsync();
                context.Abort();
                return;
            case ServerFault.Unauthorized:
                var key = context.Request.Headers.Authorization.ToString().Replace("Bearer ", string.Empty, StringComparison.Ordinal);
                await Json(context, 401, Error($"Incorrect API key provided: {key}.", "invalid_api_key"));
                return;
        }

        var request = JsonNode.Parse(body.Length == 0 ? "{}" : body)!;
        switch (path)
        {
            case "/v1/models":
                await Json(context, 200, new JsonObject { ["object"] = "list", ["data"] = new JsonArray(new JsonObject { ["id"] = "scripted-model", ["object"] = "model" }) });
                return;
            case "/v1/chat/completions":
                var last = request["messages"]!.AsArray().Last()!["content"]!.GetValue<string>();
                var text = answer(last);
                await Json(context, 200, new JsonObject
                {
                    ["id"] = "chatcmpl-1",
                    ["object"] = "chat.completion",
                    ["created"] = 0,
                    ["model"] = "scripted-model",
                    ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = text }, ["finish_reason"] = "stop" }),
                    ["usage"] = new JsonObject { ["prompt_tokens"] = last.Length, ["completion_tokens"] = text.Length, ["total_tokens"] = last.Length + text.Length },
                });
                return;
            case "/v1/completions" when servesLogProbs:
                // One token per character after a BOS, each with log-probability -(position mod 7)/10, plus one generated token.
                var prompt = request["prompt"]!.GetValue<string>();
                var tokens = new JsonArray("<s>");
                var values = new JsonArray((JsonNode?)null);
                var offsets = new JsonArray(0);
                for (var i = 0; i < prompt.Length; i++)
                {
                    tokens.Add(prompt[i].ToString());
                    values.Add(-(i % 7) / 10.0);
                    offsets.Add(i);
                }

                tokens.Add("!");
                values.Add(-0.5);
                offsets.Add(prompt.Length);
                await Json(context, 200, new JsonObject
                {
                    ["object"] = "text_completion",
                    ["choices"] = new JsonArray(new JsonObject
                    {
                        ["index"] = 0,
                        ["text"] = prompt + "!",
                        ["logprobs"] = new JsonObject { ["tokens"] = tokens, ["token_logprobs"] = values, ["text_offset"] = offsets },
                        ["finish_reason"] = "length",
                    }),
                    ["usage"] = new JsonObject { ["prompt_tokens"] = prompt.Length + 1, ["completion_tokens"] = 1 },
                });
                return;
            default:
                await Json(context, 404, Error($"Unknown path {path}", null));
                return;
        }
    }

    private static JsonObject Error(string message, string? code) => new() { ["error"] = new JsonObject { ["message"] = message, ["type"] = "error", ["code"] = code } };

    private static async Task Json(HttpContext context, int status, JsonNode body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.ToJsonString());
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
