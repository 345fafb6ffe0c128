using EvalTests.Server.Protocol;
using Microsoft.AspNetCore.Http;

namespace EvalTests.Server.Endpoints;

/// <summary>The one model this server serves: its id in <c>/v1/models</c> and the defaults of its requests.</summary>
internal sealed record ServedModel(string Id, int DefaultMaxTokens)
{
    /// <summary>A request may omit the model or name this one; another name is a 404, as OpenAI answers it.</summary>
    public void EnsureModel(string? requested)
    {
        if (requested is not null && !string.Equals(requested, Id, StringComparison.Ordinal))
        {
            throw new ApiError(StatusCodes.Status404NotFound, $"The model '{requested}' does not exist; this server serves '{Id}'.", param: "model", code: "model_not_found");
        }
    }
}
