using System.ClientModel;
using System.ClientModel.Primitives;
using System.Text.Json.Nodes;
using EvalTests.Models;
using EvalTests.OpenAI.Resilience;
using EvalTests.Prompts;
using EvalTests.Runs;

namespace EvalTests.OpenAI.Transport;

/// <summary>
/// Counts prompt tokens with the server's own tokenizer through vLLM's <c>POST /tokenize</c> (our server serves it too),
/// so in-context examples are dropped exactly as for the same model run locally. Counts are cached like replies.
/// </summary>
internal sealed class RemoteTokenCounter : ITokenCounter
{
    private readonly ClientPipeline _pipeline;
    private readonly Uri _url;
    private readonly string _model;
    private readonly JsonLineStore _cache;
    private readonly string _identity;

    private RemoteTokenCounter(ClientPipeline pipeline, Uri url, string model, JsonLineStore cache, string identity)
    {
        _pipeline = pipeline;
        _url = url;
        _model = model;
        _cache = cache;
        _identity = identity;
    }

    /// <summary>The counter and the server's context length, or null when the server does not tokenize.</summary>
    public static async Task<(RemoteTokenCounter? Counter, int? MaxModelLength)> ProbeAsync(ClientPipeline pipeline, Uri baseUrl, string model, JsonLineStore cache, string identity, CancellationToken cancellationToken)
    {
        var url = TokenizeUrl(baseUrl);
        var key = RequestKey.For(identity, "tokenize-probe", new Prompt([]));
        if (!cache.TryGet(key, out var probe))
        {
            try
            {
                using var message = JsonPost.Create(pipeline, url, Body(model, "Hello"));
                message.Apply(new RequestOptions { CancellationToken = cancellationToken });
                await pipeline.SendAsync(message).ConfigureAwait(false);
                var reply = Parse(message.Response!);
                probe = new JsonObject { ["served"] = true, ["max_model_len"] = reply.MaxModelLength };
            }
            catch (ClientResultException ex) when (ex.Status is >= 500 or 0 or 408 or 429)
            {
                // Not an answer about /tokenize (the server failed or was busy): this run goes without, the next one asks again.
                return (null, null);
            }
            catch (Exception ex) when (ex is ClientResultException or MalformedReplyException or System.Text.Json.JsonException or InvalidOperationException)
            {
                probe = new JsonObject { ["served"] = false };
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                return (null, null);
            }

            cache.Add(key, probe);
        }

        return probe["served"]?.GetValue<bool>() == true
            ? (new RemoteTokenCounter(pipeline, url, model, cache, identity), probe["max_model_len"]?.GetValue<int>())
            : (null, null);
    }

    /// <summary>The prompt as a completions request sends it (its turns joined as plain text), counted by the server.</summary>
    public int CountTokens(Prompt prompt)
    {
        var key = RequestKey.For(_identity, "tokenize", prompt);
        if (_cache.TryGet(key, out var cached) && cached["count"]?.GetValue<int>() is { } hit)
        {
            return hit;
        }

        // Synchronous because prompts are fitted while a run is planned; the pipeline has a real synchronous send.
        using var message = JsonPost.Create(_pipeline, _url, Body(_model, prompt.ToPlainText()));
        try
        {
            _pipeline.Send(message);
            var count = Parse(message.Response!).Count;
            _cache.Add(key, new JsonObject { ["count"] = count });
            return count;
        }
        catch (Exception ex) when (ex is ClientResultException or MalformedReplyException or System.Text.Json.JsonException)
        {
            throw new HttpRequestException($"{_url}: counting a prompt's tokens failed: {ex.Message}", ex);
        }
    }

    private static Uri TokenizeUrl(Uri baseUrl)
    {
        // vLLM serves /tokenize beside /v1, not under it.
        var root = baseUrl.ToString().TrimEnd('/');
        return new Uri((root.EndsWith("/v1", StringComparison.Ordinal) ? root[..^3] : root) + "/tokenize");
    }

    private static JsonObject Body(string model, string text) => new() { ["model"] = model, ["prompt"] = text };

    private static (int Count, int? MaxModelLength) Parse(PipelineResponse response)
    {
        var root = JsonPost.Read(response);
        var count = root["count"]?.GetValue<int>() ?? throw new MalformedReplyException("the /tokenize reply has no count");
        return (count, root["max_model_len"]?.GetValue<int>());
    }
}
