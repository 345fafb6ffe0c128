using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using EvalTests.Models;
using EvalTests.Server.Batching;
using EvalTests.Server.Endpoints;
using EvalTests.Server.Protocol;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EvalTests.Server;

/// <summary>How to serve a model.</summary>
public sealed record ServerOptions
{
    /// <summary>The address to listen on; loopback unless set otherwise on purpose.</summary>
    public IPAddress Address { get; init; } = IPAddress.Loopback;

    /// <summary>The port; 0 picks a free one (see <see cref="OpenAICompatibleServer.BaseUrl"/>).</summary>
    public int Port { get; init; } = 8000;

    /// <summary>When set, requests must carry <c>Authorization: Bearer &lt;key&gt;</c>.</summary>
    public string? ApiKey { get; init; }

    /// <summary>The most requests handed to the model in one call.</summary>
    public int MaxBatchSize { get; init; } = Runs.BatchSizeSetting.DefaultSize;

    /// <summary>How long the first request of a batch waits for others to join.</summary>
    public TimeSpan BatchWindow { get; init; } = TimeSpan.FromMilliseconds(5);

    /// <summary>The answer length when a chat request names none.</summary>
    public int DefaultMaxTokens { get; init; } = 256;

    /// <summary>The most requests (prompts) that may wait for the model at once; beyond it a request gets 503 with Retry-After.</summary>
    public int MaxQueuedRequests { get; init; } = 512;

    /// <summary>The model id in <c>/v1/models</c> and replies; defaults to the model's abbr.</summary>
    public string? ModelId { get; init; }
}

/// <summary>
/// Serves a local model as an OpenAI-compatible API: <c>/v1/models</c>, <c>/v1/chat/completions</c> (with SSE
/// streaming), <c>/v1/completions</c> (with <c>echo</c> and <c>logprobs</c>) and vLLM's <c>/tokenize</c>. Concurrent requests are batched
/// together on the model. Errors are OpenAI's error JSON, never a stack trace.
/// </summary>
public sealed class OpenAICompatibleServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly RequestBatcher _batcher;

    private OpenAICompatibleServer(WebApplication app, RequestBatcher batcher, Uri baseUrl)
    {
        _app = app;
        _batcher = batcher;
        BaseUrl = baseUrl;
    }

    /// <summary>The API base clients use, e.g. <c>http://127.0.0.1:8000/v1</c>.</summary>
    public Uri BaseUrl { get; }

    /// <summary>How requests were batched so far.</summary>
    public BatchingStatistics Statistics => _batcher.Statistics;

    /// <summary>The requests waiting for the model now (at most <see cref="ServerOptions.MaxQueuedRequests"/>).</summary>
    public int QueuedRequests => _batcher.Queued;

    private const string Routes = "GET /v1/models, POST /v1/chat/completions, POST /v1/completions, POST /tokenize";

    private static readonly HashSet<string> ServedPaths = new(["/v1/models", "/v1/chat/completions", "/v1/completions", "/tokenize"], StringComparer.OrdinalIgnoreCase);

    /// <summary>Starts listening.</summary>
    public static async Task<OpenAICompatibleServer> StartAsync(ILanguageModel model, ServerOptions options, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(options.Address, options.Port));
        var app = builder.Build();
        var batcher = new RequestBatcher(model, options.MaxBatchSize, options.BatchWindow, options.MaxQueuedRequests);
        var served = new ServedModel(options.ModelId ?? model.Descriptor.Abbr, options.DefaultMaxTokens, model);

        app.Use(async (context, next) =>
        {
            try
            {
                if (options.ApiKey is { } key && !Authorized(context.Request, key))
                {
                    throw new ApiError(StatusCodes.Status401Unauthorized, "Incorrect API key provided.", code: "invalid_api_key");
                }

                await next(context).ConfigureAwait(false);
            }
            catch (ApiError error) when (!context.Response.HasStarted)
            {
                await error.ToResult().ExecuteAsync(context).ConfigureAwait(false);
            }
            catch (QueueFullException full) when (!context.Response.HasStarted)
            {
                // As vLLM and OpenAI answer an overloaded server: 503, and when to try again.
                context.Response.Headers.RetryAfter = "1";
                await new ApiError(StatusCodes.Status503ServiceUnavailable, $"The server is busy: {full.Message} Retry after 1 second.", "server_error", code: "server_overloaded").ToResult().ExecuteAsync(context).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
            {
                // The client went away: its queued and running work was dropped; there is no one to answer.
            }
            catch (Exception ex) when (ex is not OperationCanceledException && !context.Response.HasStarted)
            {
                await ApiError.ServerFailure(ex.ToString()).ToResult().ExecuteAsync(context).ConfigureAwait(false);
            }
        });

        app.MapGet("/v1/models", () => Results.Json(new JsonObject
        {
            ["object"] = "list",
            ["data"] = new JsonArray(new JsonObject
            {
                ["id"] = served.Id,
                ["object"] = "model",
                ["created"] = 0,
                ["owned_by"] = "evaltests",
                ["max_model_len"] = model.Descriptor.MaxSequenceLength,
            }),
        }));
        app.MapGet("/v1/models/{id}", (string id) =>
        {
            served.EnsureModel(id);
            return Results.Json(new JsonObject { ["id"] = served.Id, ["object"] = "model", ["created"] = 0, ["owned_by"] = "evaltests" });
        });
        app.MapPost("/v1/chat/completions", (Func<HttpContext, Task<IResult>>)(async http => await ChatCompletionsEndpoint.HandleAsync(http, served, batcher).ConfigureAwait(false) ?? Results.Empty));
        app.MapPost("/v1/completions", (Func<HttpContext, Task<IResult>>)(http => CompletionsEndpoint.HandleAsync(http, served, batcher)));
        app.MapPost("/tokenize", (Func<HttpContext, Task<IResult>>)(http => TokenizeEndpoint.HandleAsync(http, served, model as ITextCompletionModel, model.Descriptor.MaxSequenceLength)));
        // A served path asked with another method is a 405 (as OpenAI answers it), any other path a 404; both in OpenAI's error JSON.
        app.MapFallback((Func<HttpContext, IResult>)(http => new ApiError(
            ServedPaths.Contains(http.Request.Path.Value ?? string.Empty) ? StatusCodes.Status405MethodNotAllowed : StatusCodes.Status404NotFound,
            $"{(ServedPaths.Contains(http.Request.Path.Value ?? string.Empty) ? "Method not allowed:" : "No route")} {http.Request.Method} {http.Request.Path}; served: {Routes}.").ToResult()));

        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await batcher.DisposeAsync().ConfigureAwait(false);
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new OpenAICompatibleServer(app, batcher, new Uri(address.TrimEnd('/') + "/v1"));
    }

    /// <summary>Waits until the server is stopped (Ctrl-C or the token).</summary>
    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) => _app.WaitForShutdownAsync(cancellationToken);

    private static bool Authorized(HttpRequest request, string key)
    {
        var header = request.Headers.Authorization.ToString();
        const string Scheme = "Bearer ";
        return header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase)
               && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(header[Scheme.Length..].Trim()), Encoding.UTF8.GetBytes(key));
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        await _batcher.DisposeAsync().ConfigureAwait(false);
    }
}
