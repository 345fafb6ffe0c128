using System.CommandLine;
using System.Net;
using EvalTests.Runs;
using EvalTests.Server;

namespace EvalTests.Cli.Commands;

/// <summary><c>evaltests serve</c>: a local model as an OpenAI-compatible API (like <c>lmdeploy serve api_server</c>).</summary>
internal static class ServeCommand
{
    public static Command Create(TextWriter output)
    {
        var models = new ModelOptions();
        var host = new Option<string>("--host") { Description = "Address to listen on (loopback by default; anything else exposes the model to the network).", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port") { Description = "Port to listen on (0 picks a free one).", DefaultValueFactory = _ => 8000 };
        var apiKeyEnv = new Option<string?>("--api-key-env") { Description = "Require the key held by this environment variable (Authorization: Bearer …)." };
        var batchSize = new Option<int>("--batch-size") { Description = "Most concurrent requests batched into one model call.", DefaultValueFactory = _ => BatchSizeSetting.DefaultSize };
        var maxQueue = new Option<int>("--max-queue") { Description = "Most requests (prompts) waiting for the model at once; more are refused with 503 and Retry-After.", DefaultValueFactory = _ => new ServerOptions().MaxQueuedRequests };
        var command = new Command("serve", "Serve a local model as an OpenAI-compatible API: /v1/models, /v1/chat/completions (streaming too), /v1/completions (echo, logprobs).")
        {
            host, port, apiKeyEnv, batchSize, maxQueue,
        };
        foreach (var option in models.Local)
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parse, cancellationToken) =>
        {
            if (!IPAddress.TryParse(parse.GetValue(host), out var address))
            {
                throw new ArgumentException($"--host '{parse.GetValue(host)}' is not an IP address (e.g. 127.0.0.1).");
            }

            string? key = null;
            if (parse.GetValue(apiKeyEnv) is { } variable)
            {
                key = Environment.GetEnvironmentVariable(variable);
                if (string.IsNullOrEmpty(key))
                {
                    throw new ArgumentException($"--api-key-env {variable}: the environment variable is not set.");
                }
            }

            await using var model = await models.CreateAsync(parse, maxSeqLen: null, needsLogLikelihood: false, output, cancellationToken);
            await using var server = await OpenAICompatibleServer.StartAsync(model, new ServerOptions
            {
                Address = address,
                Port = parse.GetValue(port),
                ApiKey = key,
                MaxBatchSize = parse.GetValue(batchSize),
                MaxQueuedRequests = parse.GetValue(maxQueue),
            }, cancellationToken);
            if (!IPAddress.IsLoopback(address))
            {
                output.WriteLine($"warning: listening on {address}, not loopback: anyone who can reach this machine can use the model{(key is null ? " (no key required)" : string.Empty)}.");
            }

            output.WriteLine($"Serving {model.Descriptor.Abbr} at {server.BaseUrl} (key {(key is null ? "not required" : "required")}); Ctrl-C stops.");
            // Ctrl-C reaches the web host first (it stops itself), or this command's token when invoked in-process.
            await server.WaitForShutdownAsync(cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);

            var stats = server.Statistics;
            output.WriteLine($"Served {stats.Requests} request(s) in {stats.Batches} batch(es), largest {stats.LargestBatch}.");
            return 0;
        });
        return command;
    }
}
