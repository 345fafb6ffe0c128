using EvalTests.Models;
using EvalTests.Prompts;
using Microsoft.Extensions.AI;

namespace EvalTests.Extensions.AI;

/// <summary>
/// Evaluates any <see cref="IChatClient"/> in gen mode: each prompt's turns become chat messages (the answer slot is not
/// sent), requests of a batch run concurrently, and a failed request becomes an errored sample. Log-likelihoods are not
/// part of the chat abstraction, so ppl mode is refused.
/// </summary>
public sealed class ChatClientLanguageModel : ILanguageModel
{
    private readonly IChatClient _client;
    private readonly int _maxConcurrency;
    private readonly float? _temperature;

    /// <summary>Wraps a chat client.</summary>
    /// <param name="client">The client; not disposed by this model.</param>
    /// <param name="abbr">The name in reports; defaults to the client's model id.</param>
    /// <param name="maxConcurrency">The most requests in flight at once.</param>
    /// <param name="temperature">The temperature to send; null sends none.</param>
    public ChatClientLanguageModel(IChatClient client, string? abbr = null, int maxConcurrency = 4, float? temperature = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxConcurrency, 1);
        _client = client;
        _maxConcurrency = maxConcurrency;
        _temperature = temperature;
        var metadata = client.GetService<ChatClientMetadata>();
        var model = metadata?.DefaultModelId ?? "unknown";
        Descriptor = new ModelDescriptor(abbr ?? model, $"chatclient:{metadata?.ProviderName ?? "unknown"}:{model}", null, ModelCapabilities.Generate)
        {
            Limitations = "an IChatClient serves chat only",
        };
    }

    /// <inheritdoc/>
    public ModelDescriptor Descriptor { get; }

    /// <inheritdoc/>
    public async ValueTask<IReadOnlyList<GenerationResult>> GenerateAsync(IReadOnlyList<GenerationRequest> requests, CancellationToken cancellationToken = default)
    {
        var results = new GenerationResult[requests.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, requests.Count), new ParallelOptions { MaxDegreeOfParallelism = _maxConcurrency, CancellationToken = cancellationToken },
            async (i, ct) => results[i] = await GenerateOneAsync(requests[i], ct).ConfigureAwait(false)).ConfigureAwait(false);
        return results;
    }

    private async Task<GenerationResult> GenerateOneAsync(GenerationRequest request, CancellationToken cancellationToken)
    {
        var messages = request.Prompt.ChatTurns.Select(turn => new ChatMessage(
            turn.Role switch { TurnRole.System => ChatRole.System, TurnRole.Human => ChatRole.User, _ => ChatRole.Assistant }, turn.Text)).ToList();
        var options = new ChatOptions { MaxOutputTokens = request.Settings.MaxOutputTokens, Temperature = _temperature };
        if (request.Settings.StopStrings.Count > 0)
        {
            options.StopSequences = [.. request.Settings.StopStrings];
        }

        try
        {
            var response = await _client.GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
            return new GenerationResult(response.Text, (int)(response.Usage?.InputTokenCount ?? 0), (int)(response.Usage?.OutputTokenCount ?? 0),
                Finish: response.FinishReason == ChatFinishReason.Length ? FinishReason.Length : FinishReason.Stop);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return new GenerationResult(string.Empty, 0, 0, $"{ex.GetType().Name}: {ex.Message}");
        }
    }

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<LogLikelihoodResult>> LogLikelihoodAsync(IReadOnlyList<LogLikelihoodRequest> requests, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException($"Model '{Descriptor.Abbr}' cannot score log-likelihoods (ppl mode): {Descriptor.Limitations}.");

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
