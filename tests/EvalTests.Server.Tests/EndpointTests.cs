using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using EvalTests.Models;
using EvalTests.Prompts;

namespace EvalTests.Server.Tests;

/// <summary>The endpoints answer as OpenAI's do, with the model's own greedy output, and refuse bad requests with OpenAI's error JSON.</summary>
public sealed class EndpointTests(ServedModelFixture served) : IClassFixture<ServedModelFixture>, IDisposable
{
    private readonly HttpClient _http = new() { DefaultRequestHeaders = { Authorization = new AuthenticationHeaderValue("Bearer", ServedModelFixture.ApiKey) } };

    public void Dispose() => _http.Dispose();

    private async Task<(HttpStatusCode Status, JsonNode Body, string Text)> PostAsync(string path, string json, HttpClient? client = null)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        using var response = await (client ?? _http).PostAsync(new Uri(served.Server.BaseUrl + path), content, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        return (response.StatusCode, JsonNode.Parse(text)!, text);
    }

    private static GenerationRequest Chat(string user, int maxTokens) => new(Prompt.FromChat([new PromptTurn(TurnRole.Human, user)]), new GenerationSettings(maxTokens, []));

    [Fact]
    public async Task ChatCompletion_ReturnsTheModelsGreedyAnswerAndItsTokenUsage()
    {
        var direct = (await served.Model.GenerateAsync([Chat("Once upon a time", 20)], TestContext.Current.CancellationToken))[0];

        var (status, body, _) = await PostAsync("/chat/completions", """{"model": "stories260K", "messages": [{"role": "user", "content": "Once upon a time"}], "max_completion_tokens": 20}""");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(direct.Text, (string?)body["choices"]![0]!["message"]!["content"]);
        Assert.Equal("length", (string?)body["choices"]![0]!["finish_reason"]);
        Assert.Equal(direct.PromptTokens, (int)body["usage"]!["prompt_tokens"]!);
        Assert.Equal(20, (int)body["usage"]!["completion_tokens"]!);
    }

    [Fact]
    public async Task CompletionWithEchoAndLogprobs_ReturnsEachPromptTokensLogProbability()
    {
        var direct = (await served.Model.ScoreTextsAsync(["One day, Lily went to the park."], cancellationToken: TestContext.Current.CancellationToken))[0];

        var (_, body, _) = await PostAsync("/completions", """{"prompt": "One day, Lily went to the park.", "max_tokens": 0, "echo": true, "logprobs": 0}""");

        var logprobs = body["choices"]![0]!["logprobs"]!;
        Assert.Equal(direct.Select(t => t.Text), logprobs["tokens"]!.AsArray().Select(t => (string)t!));
        Assert.Equal(direct.Select(t => t.LogProb), logprobs["token_logprobs"]!.AsArray().Select(v => (double?)v));
        Assert.Equal(direct.Select(t => t.Offset), logprobs["text_offset"]!.AsArray().Select(o => (int)o!));
        Assert.Null(direct[0].LogProb);
        Assert.Equal("One day, Lily went to the park.", string.Concat(direct.Select(t => t.Text)));
        Assert.Equal(direct.Count, (int)body["usage"]!["prompt_tokens"]!);
    }

    [Fact]
    public async Task ConcurrentRequests_AreBatchedTogetherAndAnsweredAsIfAlone()
    {
        string[] openings = ["Once upon a time", "One day", "Lily and Ben", "The sun was", "Tom had a", "There was a dog", "Mom said", "The little bird"];
        var alone = new List<string>();
        foreach (var opening in openings)
        {
            alone.Add((await served.Model.GenerateAsync([Chat(opening, 12)], TestContext.Current.CancellationToken))[0].Text);
        }

        var before = served.Server.Statistics;
        var replies = await Task.WhenAll(openings.Select(o => PostAsync("/chat/completions", new JsonObject
        {
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = o }),
            ["max_tokens"] = 12,
        }.ToJsonString())));

        Assert.Equal(alone, replies.Select(r => (string)r.Body["choices"]![0]!["message"]!["content"]!));
        var after = served.Server.Statistics;
        Assert.True(after.Batches - before.Batches < openings.Length, $"{openings.Length} concurrent requests ran in {after.Batches - before.Batches} batches");
        Assert.True(after.LargestBatch > 1);
    }

    [Theory]
    [InlineData("/chat/completions", "{not json", 400, "The request body is not valid JSON")]
    [InlineData("/chat/completions", """{"model": "stories260K"}""", 400, "'messages' must be a non-empty array")]
    [InlineData("/chat/completions", """{"messages": [{"role": "tool", "content": "x"}]}""", 400, "'messages[0].role' is 'tool'")]
    [InlineData("/chat/completions", """{"messages": [{"role": "user", "content": "x"}], "n": 17}""", 400, "'n' must be an integer from 1 to 16")]
    [InlineData("/chat/completions", """{"messages": [{"role": "user", "content": "x"}], "n": 2, "stream": true}""", 400, "stream with n > 1 is not served")]
    [InlineData("/chat/completions", """{"messages": [{"role": "user", "content": "x"}], "temperature": 1, "top_p": 0}""", 400, "'top_p' must be a number from")]
    [InlineData("/chat/completions", """{"messages": [{"role": "user", "content": "x"}], "seed": 1.5}""", 400, "'seed' must be an integer")]
    [InlineData("/chat/completions", """{"messages": [{"role": "user", "content": "x"}], "max_tokens": -3}""", 400, "'max_tokens' must be an integer")]
    [InlineData("/chat/completions", """{"model": "gpt-4o", "messages": [{"role": "user", "content": "x"}]}""", 404, "The model 'gpt-4o' does not exist")]
    [InlineData("/completions", """{"prompt": [1, 2, 3]}""", 400, "'prompt' must be a string or an array of strings (token-id prompts are not served)")]
    [InlineData("/completions", """{"prompt": "x", "echo": true, "logprobs": 6}""", 400, "'logprobs' must be an integer from 0 to 5")]
    [InlineData("/chat/completions", """{"messages": [{"role": "user", "content": "x"}], "top_logprobs": 2}""", 400, "top_logprobs needs logprobs: true")]
    [InlineData("/chat/completions", """{"messages": [{"role": "user", "content": "x"}], "logprobs": true, "stream": true}""", 400, "stream with logprobs is not served")]
    [InlineData("/chat/completions", """{"messages": [{"role": "user", "content": "x"}], "tools": [{"type": "function", "function": {"name": "f"}}]}""", 400, "'tools' is not served")]
    [InlineData("/chat/completions", """{"messages": [{"role": "user", "content": "x"}], "response_format": {"type": "json_object"}}""", 400, "'response_format' is not served")]
    [InlineData("/completions", """{"prompt": "x", "logit_bias": {"50256": -100}}""", 400, "'logit_bias' is not served")]
    [InlineData("/completions", """{"prompt": "x", "best_of": 3}""", 400, "'best_of' is not served")]
    [InlineData("/chat/completions", """{"messages": [{"role": "user", "content": "x"}], "frequency_penalty": 0.5}""", 400, "'frequency_penalty' is not served")]
    [InlineData("/chat/completions", """{"messages": [{"role": "user", "content": "Once upon a time"}], "max_tokens": 600}""", 400, "This model's maximum context length is 512 tokens. However, you requested 6")]
    [InlineData("/completions", """{"prompt": "Once upon a time", "max_tokens": 509}""", 400, "This model's maximum context length is 512 tokens. However, you requested 514 tokens (5 in the prompt, 509 in the completion)")]
    [InlineData("/embeddings", """{"input": "x"}""", 404, "No route POST /v1/embeddings")]
    public async Task ABadRequest_GetsOpenAIsErrorJsonWithAMessageAndNoStackTrace(string path, string json, int status, string message)
    {
        var (actual, body, text) = await PostAsync(path, json);

        Assert.Equal(status, (int)actual);
        Assert.StartsWith(message, (string?)body["error"]!["message"], StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AKnownPathWithTheWrongMethod_GetsA405WithOpenAIsErrorJson()
    {
        using var response = await _http.GetAsync(new Uri(served.Server.BaseUrl + "/chat/completions"), TestContext.Current.CancellationToken);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!;

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.StartsWith("Method not allowed: GET /v1/chat/completions; served: ", (string?)body["error"]!["message"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task ARequestWithoutTheKey_IsRefusedWith401()
    {
        using var anonymous = new HttpClient();

        var (status, body, _) = await PostAsync("/chat/completions", """{"messages": [{"role": "user", "content": "x"}]}""", anonymous);

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("invalid_api_key", (string?)body["error"]!["code"]);
    }

    [Fact]
    public async Task Models_ListsTheServedModelWithItsContextLength()
    {
        var text = await _http.GetStringAsync(new Uri(served.Server.BaseUrl + "/models"), TestContext.Current.CancellationToken);

        var model = JsonNode.Parse(text)!["data"]![0]!;
        Assert.Equal("stories260K", (string?)model["id"]);
        Assert.Equal(512, (int)model["max_model_len"]!);
    }

    [Fact]
    public async Task AClientLibrarysDefaults_ForUnservedFields_AreAccepted()
    {
        var (status, body, text) = await PostAsync("/completions", """{"prompt": "Once upon a time", "max_tokens": 4, "best_of": 1, "logit_bias": {}, "frequency_penalty": 0, "presence_penalty": 0, "suffix": ""}""");

        Assert.True(status == HttpStatusCode.OK, text);
        Assert.Single(body["choices"]!.AsArray());
    }
}
