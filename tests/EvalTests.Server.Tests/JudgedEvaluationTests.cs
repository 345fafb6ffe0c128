using System.Text.Json.Nodes;
using EvalTests.Datasets;
using EvalTests.Judging;
using EvalTests.Onnx;
using EvalTests.OpenAI;
using EvalTests.Runs;
using EvalTests.Scoring;
using EvalTests.TestSupport;

namespace EvalTests.Server.Tests;

/// <summary>
/// Judged evaluation end to end over HTTP: stories260K served as the answering model, and as judge either a scripted
/// judge server (documented reply formats, malformed ones and failures) or stories260K itself (real text, real parsing).
/// </summary>
public sealed class JudgedEvaluationTests : IDisposable
{
    private readonly TempDirectory _work = new();

    public void Dispose() => _work.Dispose();

    private static string Locate(DatasetCard card) => Path.Combine(SharedData.Datasets, card.Name);

    private static readonly RunPlan Plan = RunPlan.Create(DatasetCatalog.Default, ["gsm8k_llmjudge"]);

    private static IReadOnlyList<DatasetSample> Questions => DatasetLoader.Load(Plan.Tasks[0].Card, Locate(Plan.Tasks[0].Card), "test", "gsm8k");

    private static Task<OpenAILanguageModel> ConnectAsync(Uri baseUrl, string? abbr, int retries = 0) => OpenAILanguageModel.ConnectAsync(new OpenAIModelOptions
    {
        BaseUrl = baseUrl,
        ApiKeyVariable = null,
        Abbr = abbr,
        QueriesPerSecond = 1000,
        MaxRetries = retries,
        InitialBackoff = TimeSpan.FromMilliseconds(10),
        MaxBackoff = TimeSpan.FromMilliseconds(50),
    }, TestContext.Current.CancellationToken);

    [Fact]
    public async Task A_scripted_judge_server_in_every_documented_format_is_parsed_counted_and_retried_exactly()
    {
        await using var model = OnnxLanguageModel.Load(new OnnxModelOptions { ModelFolder = SharedData.Model("stories260K") });
        await using var served = await OpenAICompatibleServer.StartAsync(model, new ServerOptions { Port = 0 }, TestContext.Current.CancellationToken);
        var questions = Questions;
        int QuestionOf(string userMessage) => Enumerable.Range(0, 6).First(i => userMessage.Contains("<Original Question Begin>:\n" + questions[i].Question + "\n", StringComparison.Ordinal));
        string UserMessage(string body) => (string)JsonNode.Parse(body)!["messages"]!.AsArray()[^1]!["content"]!;
        string[] replies = ["A", "B", "C", "A: CORRECT", "The answer looks fine.", "never sent"];
        var firstAttempt = new HashSet<int>();
        await using var judgeServer = await ScriptedOpenAIServer.StartAsync(
            (path, body) => !path.EndsWith("/chat/completions", StringComparison.Ordinal) ? ServerFault.None : QuestionOf(UserMessage(body)) switch
            {
                5 => ServerFault.MalformedJson,                                       // garbage on every attempt: an errored judgement
                1 when firstAttempt.Add(1) => ServerFault.ServerError,                // a 500 once, then the verdict: retried, not lost
                _ => ServerFault.None,
            },
            answer: message => replies[QuestionOf(message)]);
        await using var answerer = await ConnectAsync(served.BaseUrl, abbr: null);
        await using var judge = await ConnectAsync(judgeServer.BaseUrl, abbr: "scripted-judge", retries: 2);
        var settings = new RunSettings { WorkDir = _work.Path, Timestamp = "scripted", BatchSize = 6, MaxOutLen = 24, JudgeMaxOutLen = 8, Limit = 6 };

        var result = await new EvaluationRunner(answerer, settings, judge: judge).RunAsync(Plan, Locate, TestContext.Current.CancellationToken);

        Assert.Equal(new SubsetScore(Correct: 2, Wrong: 1, Unparsed: 2, Errored: 1), result.Tasks[0].Score.Score);
        Assert.StartsWith("judge: ", result.Tasks[0].Samples[5].Error, StringComparison.Ordinal);
        var outputs = JsonNode.Parse(File.ReadAllText(Path.Combine(_work.Path, "scripted", "results", "stories260K", "gsm8k-llmjudge_replica0.json")))!;
        var predictions = JsonNode.Parse(File.ReadAllText(result.Layout.Predictions("stories260K", "gsm8k-llmjudge")))!;
        for (var i = 0; i < 5; i++)
        {
            // The judge saw the served model's own answer, and its reply is kept verbatim beside the verdict.
            Assert.Contains("<Predicted Answer Begin>:\n" + (string)predictions[$"{i}"]!["prediction"]! + "\n<Predicted Answer End>", (string)outputs[$"{i}"]!["origin_prompt"]!, StringComparison.Ordinal);
            Assert.Equal(replies[i], (string)outputs[$"{i}"]!["prediction"]!);
        }

        Assert.Equal(1, judge.Usage.Failures);
        Assert.True(judge.Usage.Retries >= 3, $"retries: {judge.Usage.Retries}");
        var results = JsonNode.Parse(File.ReadAllText(result.Layout.Results("stories260K", "gsm8k-llmjudge")))!;
        Assert.Equal(100.0 * 2 / 3, (double)results["accuracy_given_attempted"]!, 12);
    }

    [Fact]
    public async Task Stories260K_served_as_both_model_and_judge_gives_verdicts_that_are_its_own_text_parsed()
    {
        await using var model = OnnxLanguageModel.Load(new OnnxModelOptions { ModelFolder = SharedData.Model("stories260K") });
        await using var served = await OpenAICompatibleServer.StartAsync(model, new ServerOptions { Port = 0 }, TestContext.Current.CancellationToken);
        await using var answerer = await ConnectAsync(served.BaseUrl, abbr: null);
        await using var judge = await ConnectAsync(served.BaseUrl, abbr: "stories260K-judge");
        var settings = new RunSettings { WorkDir = _work.Path, Timestamp = "self", BatchSize = 4, MaxOutLen = 24, JudgeMaxOutLen = 16, Limit = 4 };

        var result = await new EvaluationRunner(answerer, settings, judge: judge).RunAsync(Plan, Locate, TestContext.Current.CancellationToken);

        var outputs = JsonNode.Parse(File.ReadAllText(Path.Combine(_work.Path, "self", "results", "stories260K", "gsm8k-llmjudge_replica0.json")))!;
        var verdicts = Enumerable.Range(0, 4).Select(i => VerifierVerdict.Parse((string)outputs[$"{i}"]!["prediction"]!)).ToList();
        Assert.All(Enumerable.Range(0, 4), i => Assert.False(string.IsNullOrEmpty((string)outputs[$"{i}"]!["prediction"]!)));
        var expected = new SubsetScore(verdicts.Count(v => v == Verdict.Correct), verdicts.Count(v => v == Verdict.Incorrect), verdicts.Count(v => v == Verdict.NotAttempted), 0);
        Assert.Equal(expected, result.Tasks[0].Score.Score);
        Assert.Equal(0, judge.Usage.Failures);
    }
}
