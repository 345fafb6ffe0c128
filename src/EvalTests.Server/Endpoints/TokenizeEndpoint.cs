using System.Text.Json.Nodes;
using EvalTests.Models;
using EvalTests.Server.Protocol;
using Microsoft.AspNetCore.Http;

namespace EvalTests.Server.Endpoints;

/// <summary>
/// <c>POST /tokenize</c> as vLLM serves it (<c>{"prompt"}</c> → <c>{"count", "max_model_len", "tokens"}</c>), so a client
/// can fit prompts to the context by dropping in-context examples, as it would with a local tokenizer.
/// </summary>
internal static class TokenizeEndpoint
{
    public static async Task<IResult> HandleAsync(HttpContext http, ServedModel served, ITextCompletionModel? textModel, int? maxModelLength)
    {
        var body = await RequestJson.ReadAsync(http.Request, http.RequestAborted).ConfigureAwait(false);
        served.EnsureModel(RequestJson.OptionalString(body, "model"));
        if (textModel is null)
        {
            throw ApiError.BadRequest($"The model '{served.Id}' has no tokenizer this server can use.");
        }

        var prompt = RequestJson.OptionalString(body, "prompt") ?? throw ApiError.BadRequest("'prompt' (a string) is required.", "prompt");
        var tokens = textModel.Encode(prompt);
        return Results.Json(new JsonObject
        {
            ["count"] = tokens.Count,
            ["max_model_len"] = maxModelLength,
            ["tokens"] = new JsonArray(tokens.Select(t => (JsonNode)JsonValue.Create(t)).ToArray()),
        });
    }
}
