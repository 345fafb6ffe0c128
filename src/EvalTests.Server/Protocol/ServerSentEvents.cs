using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace EvalTests.Server.Protocol;

/// <summary>OpenAI's streaming format: <c>data: {json}</c> events, ended by <c>data: [DONE]</c>.</summary>
internal static class ServerSentEvents
{
    public static async Task StartAsync(HttpResponse response)
    {
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        await response.StartAsync().ConfigureAwait(false);
    }

    public static async Task WriteAsync(HttpResponse response, JsonObject data, CancellationToken cancellationToken)
    {
        await response.WriteAsync("data: " + data.ToJsonString() + "\n\n", cancellationToken).ConfigureAwait(false);
        await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    public static async Task DoneAsync(HttpResponse response, CancellationToken cancellationToken)
    {
        await response.WriteAsync("data: [DONE]\n\n", cancellationToken).ConfigureAwait(false);
        await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
    }
}
