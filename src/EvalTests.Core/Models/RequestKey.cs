using System.Security.Cryptography;
using System.Text.Json;
using EvalTests.Prompts;

namespace EvalTests.Models;

/// <summary>
/// A stable key for a request to one model: a SHA-256 over the model's identity, the kind of request, the prompt's turns
/// and the settings. The same question asked of the same model has the same key in every run and on every machine, so it
/// keys the response cache and resume.
/// </summary>
public static class RequestKey
{
    /// <summary>The key of a generation request.</summary>
    public static string For(string modelIdentity, GenerationRequest request, string? extra = null) =>
        Hash(modelIdentity, "gen", request.Prompt, writer =>
        {
            writer.WriteNumber("max_out_len", request.Settings.MaxOutputTokens);
            writer.WriteStartArray("stop");
            foreach (var stop in request.Settings.StopStrings)
            {
                writer.WriteStringValue(stop);
            }

            writer.WriteEndArray();
            if (request.Settings.LogProbs is { } logProbs)
            {
                writer.WriteNumber("logprobs", logProbs);
            }

            // Written only when set, so a greedy request keeps the key it always had.
            if (request.Settings.Sampling is { } sampling)
            {
                writer.WriteNumber("temperature", sampling.Temperature);
                writer.WriteNumber("top_p", sampling.TopP);
                writer.WriteNumber("top_k", sampling.TopK);
                if (sampling.Seed is { } seed)
                {
                    writer.WriteNumber("seed", seed);
                }
            }
        }, extra);

    /// <summary>The key of a log-likelihood request.</summary>
    public static string For(string modelIdentity, LogLikelihoodRequest request, string? extra = null) =>
        Hash(modelIdentity, "ppl", request.Prompt, _ => { }, extra);

    /// <summary>The key of another kind of request about a prompt (a token count, a probe).</summary>
    public static string For(string modelIdentity, string kind, Prompt prompt) => Hash(modelIdentity, kind, prompt, _ => { }, null);

    private static string Hash(string modelIdentity, string kind, Prompt prompt, Action<Utf8JsonWriter> settings, string? extra)
    {
        // Canonical JSON (fixed property order, no indentation) is the hashed text, so the key does not depend on the
        // platform's newline or on dictionary order.
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("model", modelIdentity);
            writer.WriteString("kind", kind);
            writer.WriteStartArray("turns");
            foreach (var turn in prompt.Turns)
            {
                writer.WriteStartArray();
                writer.WriteStringValue(turn.Role.ToString());
                writer.WriteStringValue(turn.Text);
                writer.WriteEndArray();
            }

            writer.WriteEndArray();
            settings(writer);
            if (extra is not null)
            {
                writer.WriteString("extra", extra);
            }

            writer.WriteEndObject();
        }

        return Convert.ToHexStringLower(SHA256.HashData(buffer.ToArray()));
    }
}
