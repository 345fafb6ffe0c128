using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace EvalTests.Server.Protocol;

/// <summary>A request the server refuses, answered with OpenAI's error JSON and the status.</summary>
internal sealed class ApiError(int status, string message, string type = "invalid_request_error", string? param = null, string? code = null) : Exception(message)
{
    public int Status { get; } = status;

    public static ApiError BadRequest(string message, string? param = null) => new(StatusCodes.Status400BadRequest, message, param: param);

    /// <summary>
    /// A 500 that tells the client an error id and not our internals (exception text can hold paths and prompt
    /// fragments); the details go to the server's standard error under the same id.
    /// </summary>
    public static ApiError ServerFailure(string details)
    {
        var id = Guid.NewGuid().ToString("N")[..12];
        Console.Error.WriteLine($"evaltests serve: error {id}: {details}");
        return new ApiError(StatusCodes.Status500InternalServerError, $"The server failed to answer this request (error {id}; its details are in the server's log).", "server_error");
    }

    /// <summary>OpenAI's shape: <c>{"error": {"message", "type", "param", "code"}}</c>.</summary>
    public IResult ToResult() => Results.Json(Body(Message, type, param, code), statusCode: Status);

    public static JsonObject Body(string message, string type, string? param = null, string? code = null) => new()
    {
        ["error"] = new JsonObject
        {
            ["message"] = message,
            ["type"] = type,
            ["param"] = param,
            ["code"] = code,
        },
    };
}
