using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace EvalTests.Cli.Notifications;

/// <summary>The message shape a webhook expects.</summary>
internal enum WebhookFormat
{
    /// <summary>A Lark/Feishu bot, as OpenCompass's LarkReporter posts: <c>{"msg_type": "text", "content": {"text": …}}</c>, or a titled post.</summary>
    Lark,

    /// <summary>Slack's incoming webhooks (and the many that accept them): <c>{"text": …}</c>.</summary>
    Slack,
}

/// <summary>A webhook to notify; <see cref="Source"/> says where its URL came from without repeating it (it is a secret).</summary>
internal sealed record Webhook(WebhookFormat Format, Uri Url, string Source)
{
    /// <summary>
    /// The option's value: the URL itself, or <c>env:NAME</c> for an environment variable that holds it (keeping the
    /// secret out of shell history and logs).
    /// </summary>
    public static Webhook? Parse(string? value, WebhookFormat format, string option)
    {
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        var (text, source) = value.StartsWith("env:", StringComparison.Ordinal)
            ? (Environment.GetEnvironmentVariable(value[4..]) ?? throw new ArgumentException($"{option} {value}: the environment variable {value[4..]} is not set."), "$" + value[4..])
            : (value, option);
        return Uri.TryCreate(text, UriKind.Absolute, out var url) && url.Scheme is "http" or "https"
            ? new Webhook(format, url, source)
            : throw new ArgumentException($"{option}: the webhook from {source} is not an http(s) URL.");
    }
}

/// <summary>
/// Posts a run's start, finish (with its summary) and failure to webhooks, as OpenCompass's <c>--lark</c> does. A
/// notification that cannot be delivered is a warning, never a failed run; no URL is ever printed.
/// </summary>
internal sealed class RunNotifier(IReadOnlyList<Webhook> webhooks, TextWriter output, HttpMessageHandler? handler = null) : IDisposable
{
    private readonly HttpClient _http = handler is null ? new HttpClient { Timeout = TimeSpan.FromSeconds(15) } : new HttpClient(handler);

    private static string User => Environment.UserName;

    public Task StartedAsync(string what, CancellationToken cancellationToken) =>
        PostAsync(title: null, $"{User}'s task has been launched!\n{what}", cancellationToken);

    public Task FinishedAsync(string summaryPath, string summaryTable, CancellationToken cancellationToken) =>
        PostAsync(title: null, $"{User} 的详细评测汇总已输出至 {summaryPath}\n\n{summaryTable}", cancellationToken);

    public Task FailedAsync(string error, CancellationToken cancellationToken) =>
        PostAsync(title: "EvalTests: the run failed", $"{User}'s task failed: {error}", cancellationToken);

    private async Task PostAsync(string? title, string text, CancellationToken cancellationToken)
    {
        foreach (var webhook in webhooks)
        {
            try
            {
                using var response = await _http.PostAsJsonAsync(webhook.Url, Message(webhook.Format, title, text), cancellationToken);
                if (!response.IsSuccessStatusCode)
                {
                    await output.WriteLineAsync($"warning: the {webhook.Format} notification (URL from {webhook.Source}) was answered {(int)response.StatusCode} {response.ReasonPhrase}.");
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                await output.WriteLineAsync($"warning: the {webhook.Format} notification (URL from {webhook.Source}) could not be sent ({ex.GetType().Name}).");
            }
        }
    }

    /// <summary>The body: Lark's text or titled post (LarkReporter.post), or Slack's text.</summary>
    internal static JsonObject Message(WebhookFormat format, string? title, string text) => format switch
    {
        WebhookFormat.Lark when title is null => new JsonObject { ["msg_type"] = "text", ["content"] = new JsonObject { ["text"] = text } },
        WebhookFormat.Lark => new JsonObject
        {
            ["msg_type"] = "post",
            ["content"] = new JsonObject
            {
                ["post"] = new JsonObject
                {
                    ["zh_cn"] = new JsonObject
                    {
                        ["title"] = title,
                        ["content"] = new JsonArray(new JsonArray(new JsonObject { ["tag"] = "text", ["text"] = text })),
                    },
                },
            },
        },
        _ => new JsonObject { ["text"] = title is null ? text : $"*{title}*\n{text}" },
    };

    public void Dispose() => _http.Dispose();
}
