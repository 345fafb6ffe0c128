using System.ClientModel;
using System.ClientModel.Primitives;
using System.Text.Json.Nodes;
using EvalTests.OpenAI.Resilience;

namespace EvalTests.OpenAI.Transport;

/// <summary>
/// A JSON POST to an endpoint the SDK has no client for, sent through the client's own pipeline (same auth, transport
/// and timeout), and its reply read as the SDK reads one: an error status is thrown as <see cref="ClientResultException"/>.
/// </summary>
internal static class JsonPost
{
    public static PipelineMessage Create(ClientPipeline pipeline, Uri url, JsonObject body)
    {
        var message = pipeline.CreateMessage();
        message.Request.Method = "POST";
        message.Request.Uri = url;
        message.Request.Headers.Set("Content-Type", "application/json");
        message.Request.Content = BinaryContent.Create(BinaryData.FromString(body.ToJsonString()));
        return message;
    }

    public static JsonNode Read(PipelineResponse response) =>
        response.IsError
            ? throw new ClientResultException(response)
            : JsonNode.Parse(response.Content.ToString()) ?? throw new MalformedReplyException("an empty reply");
}
