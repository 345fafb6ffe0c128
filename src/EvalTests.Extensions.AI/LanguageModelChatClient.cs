using System.Runtime.CompilerServices;
using EvalTests.Models;
using EvalTests.Prompts;
using Microsoft.Extensions.AI;

namespace EvalTests.Extensions.AI;

/// <summary>
/// Any EvalTests backend (a local ONNX model, say) as an <see cref="IChatClient"/>: messages become prompt turns and the
/// model answers greedily. Streaming yields the finished answer as one update.
/// </summary>
public sealed class LanguageModelChatClient : IChatClient
{
    private readonly ILanguageModel _model;
    private readonly int _defaultMaxOutputTokens;

    /// <summary>Wraps a model; the model stays owned by the caller.</summary>
    public LanguageModelChatClient(ILanguageModel model, int defaultMaxOutputTokens = 256)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (!model.Descriptor.Capabilities.HasFlag(ModelCapabilities.Generate))
        {
            throw new ArgumentException($"Model '{model.Descriptor.Abbr}' does not generate text, so it cannot be a chat client.", nameof(model));
        }

        _model = model;
        _defaultMaxOutputTokens = defaultMaxOutputTokens;
        Metadata = new ChatClientMetadata("evaltests", defaultModelId: model.Descriptor.Abbr);
    }

    /// <summary>The provider (evaltests) and the model's abbr.</summary>
    public ChatClientMetadata Metadata { get; }

    /// <inheritdoc/>
    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var prompt = Prompt.FromChat(messages.Select(m => new PromptTurn(
            m.Role == ChatRole.System ? TurnRole.System : m.Role == ChatRole.Assistant ? TurnRole.Bot : TurnRole.Human, m.Text)));
        var settings = new GenerationSettings(options?.MaxOutputTokens ?? _defaultMaxOutputTokens, options?.StopSequences?.ToList() ?? []);
        var result = (await _model.GenerateAsync([new GenerationRequest(prompt, settings)], cancellationToken).ConfigureAwait(false))[0];
        if (result.Error is not null)
        {
            throw new InvalidOperationException($"Model '{_model.Descriptor.Abbr}' failed: {result.Error}");
        }

        return new ChatResponse(new ChatMessage(ChatRole.Assistant, result.Text))
        {
            ModelId = _model.Descriptor.Abbr,
            FinishReason = result.Finish == FinishReason.Length ? ChatFinishReason.Length : ChatFinishReason.Stop,
            Usage = new UsageDetails { InputTokenCount = result.PromptTokens, OutputTokenCount = result.OutputTokens, TotalTokenCount = result.PromptTokens + result.OutputTokens },
        };
    }

    /// <inheritdoc/>
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var response = await GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
        foreach (var update in response.ToChatResponseUpdates())
        {
            yield return update;
        }
    }

    /// <inheritdoc/>
    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is not null ? null
        : serviceType == typeof(ChatClientMetadata) ? Metadata
        : serviceType.IsInstanceOfType(_model) ? _model
        : serviceType.IsInstanceOfType(this) ? this
        : null;

    /// <inheritdoc/>
    public void Dispose()
    {
    }
}

/// <summary>Conversions between EvalTests models and Microsoft.Extensions.AI chat clients.</summary>
public static class ChatClientExtensions
{
    /// <summary>The model as an <see cref="IChatClient"/> (gen only).</summary>
    public static IChatClient AsChatClient(this ILanguageModel model, int defaultMaxOutputTokens = 256) => new LanguageModelChatClient(model, defaultMaxOutputTokens);

    /// <summary>The chat client as a model EvalTests can evaluate in gen mode.</summary>
    public static ILanguageModel AsLanguageModel(this IChatClient client, string? abbr = null, int maxConcurrency = 4) => new ChatClientLanguageModel(client, abbr, maxConcurrency);
}
