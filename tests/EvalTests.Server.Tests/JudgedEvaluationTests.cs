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

    private static string UserMessage(string body) => (string)JsonNode.Parse(body)!["messages"]!.AsArray()[^1]!["content"]!;

    private static IReadOnlyList<DatasetSample> AlignBenchQuestions(RunPlan plan) => DatasetLoader.Load(plan.Tasks[0].Card, Locate(plan.Tasks[0].Card), "test", plan.Tasks[0].Card.Subsets[0].Name);

    private static OnnxLanguageModel LoadStories() => OnnxLanguageModel.Load(new OnnxModelOptions { ModelFolder = SharedData.Model("stories260K") });

    /// <summary>True the first time only, however many requests race for it.</summary>
    private static bool First(ref int taken) => Interlocked.Exchange(ref taken, 1) == 0;

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
    public async Task AScriptedJudgeServerInEveryDocumentedFormat_IsParsedCountedAndRetriedExactly()
    {
        await using var model = LoadStories();
        await using var served = await OpenAICompatibleServer.StartAsync(model, new ServerOptions { Port = 0 }, TestContext.Current.CancellationToken);
        var questions = Questions;
        int QuestionOf(string userMessage) => Enumerable.Range(0, 6).First(i => userMessage.Contains("<Original Question Begin>:\n" + questions[i].Question + "\n", StringComparison.Ordinal));
        string[] replies = ["A", "B", "C", "A: CORRECT", "The answer looks fine.", "never sent"];
        var failed = 0;
        await using var judgeServer = await ScriptedOpenAIServer.StartAsync(
            (path, body) => !path.EndsWith("/chat/completions", StringComparison.Ordinal) ? ServerFault.None : QuestionOf(UserMessage(body)) switch
            {
                5 => ServerFault.MalformedJson,                                       // garbage on every attempt: an errored judgement
                1 when First(ref failed) => ServerFault.ServerError,                   // a 500 once, then the verdict: retried, not lost
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
    public async Task APairwiseJudgeOverHttp_SeesTheOrderSwappedOnEveryOtherQuestionAndItsVerdictsAreCountedExactly()
    {
        const string BaselineAnswer = "I am the baseline.";
        var plan = RunPlan.Create(DatasetCatalog.Default, ["alignbench_pairwise"]);
        var questions = AlignBenchQuestions(plan);
        int QuestionOf(string message) => Enumerable.Range(0, 6).First(i => message.Contains("[User Question]\n" + questions[i].Question + "\n", StringComparison.Ordinal));
        string ModelSide(string message) => message.Contains("[The Start of Assistant A's Answer]\n" + BaselineAnswer + "\n", StringComparison.Ordinal) ? "B" : "A";
        await using var model = LoadStories();
        await using var served = await OpenAICompatibleServer.StartAsync(model, new ServerOptions { Port = 0 }, TestContext.Current.CancellationToken);
        await using var baselineServer = await ScriptedOpenAIServer.StartAsync((_, _) => ServerFault.None, answer: _ => BaselineAnswer);
        var failed = 0;
        await using var judgeServer = await ScriptedOpenAIServer.StartAsync(
            (path, body) => path.EndsWith("/chat/completions", StringComparison.Ordinal) && QuestionOf(UserMessage(body)) == 5 && First(ref failed) ? ServerFault.ServerError : ServerFault.None,
            answer: message => QuestionOf(message) switch
            {
                2 => "Equally good. [[C]]",
                3 => "[[A]]",                          // position-biased: the first answer shown, whichever it is
                4 => "Both answers have merits.",      // no verdict
                _ => $"Assistant {ModelSide(message)} tells the better story. [[{ModelSide(message)}]]",
            });
        var settings = new RunSettings { WorkDir = _work.Path, Timestamp = "pairwise", BatchSize = 6, MaxOutLen = 24, JudgeMaxOutLen = 8, Limit = 6, Baseline = "baseline" };
        await using (var baseline = await ConnectAsync(baselineServer.BaseUrl, abbr: "baseline"))
        {
            await new EvaluationRunner(baseline, settings with { Mode = RunMode.Infer }).RunAsync(plan, Locate, TestContext.Current.CancellationToken);
        }

        await using var answerer = await ConnectAsync(served.BaseUrl, abbr: null);
        await using var judge = await ConnectAsync(judgeServer.BaseUrl, abbr: "scripted-judge", retries: 2);

        var result = await new EvaluationRunner(answerer, settings, judge: judge).RunAsync(plan, Locate, TestContext.Current.CancellationToken);

        // 0, 1, 5 (after a 500): the model's answer preferred wherever it stood; 2: a tie; 3: "[[A]]" while the model's
        // answer was shown second, a loss; 4: unparsed, left out. Win rate = (3 + 0.5) / 5.
        var score = result.Tasks[0].Score.Score;
        Assert.Equal((3, 1, 1, 1, 0), (score.Correct, score.Wrong, score.Scored, score.Unparsed, score.Errored));
        Assert.Equal(70.0, score.Value, 12);
        var outputs = JsonNode.Parse(File.ReadAllText(Path.Combine(_work.Path, "pairwise", "results", "stories260K_judged-by--scripted-judge", "alignment_bench_v1_1-pairwise.json")))!;
        var predictions = JsonNode.Parse(File.ReadAllText(result.Layout.Predictions("stories260K", "alignment_bench_v1_1-pairwise")))!;
        for (var i = 0; i < 6; i++)
        {
            var shownFirst = i % 2 == 0;
            var (a, b) = shownFirst ? ((string)predictions[$"{i}"]!["prediction"]!, BaselineAnswer) : (BaselineAnswer, (string)predictions[$"{i}"]!["prediction"]!);
            Assert.Equal(shownFirst, (bool)outputs[$"{i}"]!["evaltests"]!["model_shown_first"]!);
            Assert.Contains($"[The Start of Assistant A's Answer]\n{a}\n[The End of Assistant A's Answer]\n\n[The Start of Assistant B's Answer]\n{b}\n", (string)outputs[$"{i}"]!["origin_prompt"]!, StringComparison.Ordinal);
        }

        Assert.Equal(0, judge.Usage.Failures);
        Assert.Equal(1, judge.Usage.Retries);
    }

    [Fact]
    public async Task RatingsOverHttpInEveryDocumentedFormat_AreAggregatedIntoOpenCompasssAlignBenchTables()
    {
        var plan = RunPlan.Create(DatasetCatalog.Default, ["alignbench", "alignbench_autoj"]);
        var questions = AlignBenchQuestions(plan);
        int CritiqueQuestion(string message) => Enumerable.Range(0, 6).FirstOrDefault(i => message.Contains("用户的提问： " + questions[i].Question + "\n", StringComparison.Ordinal), -1);
        int AutoJQuestion(string message) => Enumerable.Range(0, 6).First(i => message.Contains("[用户问询]: " + questions[i].Question + "\n***", StringComparison.Ordinal));
        string[] critiques =
        [
            "回答准确。{'事实正确性': 8, '满足用户需求': 7, '清晰度': 8, '完备性': 7, '综合得分': 8}",
            "事实正确性：6分\n满足用户需求：5分\n清晰度：7分\n完备性：4分\n综合得分：5",          // no dict: the free-text fallback
            "{'事实正确性': 11, '综合得分': 9}",                                                       // out of range: unparsed
            "无法评价。",                                                                             // unparsed
            "{'事实正确性': 4, '满足用户需求': 5, '清晰度': 6, '完备性': 5, '综合得分': 6}",          // after a 500
            "never sent",                                                                             // garbage on every attempt: errored
        ];
        string[] autoj = ["回应准确。评分: [[8]]", "[[6]]", "Rating: [[4]]", "评分：七分", "[[9]] 或者 [[2]]", "[[5]]"];
        var failed = 0;
        await using var model = LoadStories();
        await using var served = await OpenAICompatibleServer.StartAsync(model, new ServerOptions { Port = 0 }, TestContext.Current.CancellationToken);
        await using var judgeServer = await ScriptedOpenAIServer.StartAsync(
            (path, body) => !path.EndsWith("/chat/completions", StringComparison.Ordinal) ? ServerFault.None : CritiqueQuestion(UserMessage(body)) switch
            {
                5 => ServerFault.MalformedJson,
                4 when First(ref failed) => ServerFault.ServerError,
                _ => ServerFault.None,
            },
            answer: message => CritiqueQuestion(message) is var i and >= 0 ? critiques[i] : autoj[AutoJQuestion(message)]);
        await using var answerer = await ConnectAsync(served.BaseUrl, abbr: null);
        await using var judge = await ConnectAsync(judgeServer.BaseUrl, abbr: "scripted-judge", retries: 2);
        var settings = new RunSettings { WorkDir = _work.Path, Timestamp = "ratings", BatchSize = 6, MaxOutLen = 24, JudgeMaxOutLen = 8, Limit = 6 };

        var result = await new EvaluationRunner(answerer, settings, judge: judge).RunAsync(plan, Locate, TestContext.Current.CancellationToken);

        // The six questions are all 专业能力. critiquellm rated 8, 5, 6: 6.33; 中文语言总分 6.33/6 = 1.05; 总分 (0 + 1.05)/2 = 0.53.
        var (critique, single) = (result.Tasks[0].Score.Score, result.Tasks[1].Score.Score);
        Assert.Equal((3, 2, 1), (critique.Scored, critique.Unparsed, critique.Errored));
        Assert.Equal(0.53, critique.Value);
        // autoj rated 8, 6, 4, 9, 5: 6.4; 6.4/6 = 1.07; 1.07/2 = 0.54 (Python's round).
        Assert.Equal((5, 1, 0), (single.Scored, single.Unparsed, single.Errored));
        Assert.Equal(0.54, single.Value);

        var tables = Path.Combine(_work.Path, "ratings", "summary", result.SummaryTimestamp);
        Assert.Equal("模型,事实正确性,满足用户需求,清晰度,完备性,综合得分\r\nstories260K,6.0,5.67,7.0,5.33,6.33\r\n", File.ReadAllText(Path.Combine(tables, "Alignbench-judged-by--scripted-judge-dimension.csv")));
        Assert.EndsWith("\r\nstories260K,0.53,0.0,0.0,0.0,1.05,0.0,0.0,0.0,0.0,0.0,6.33\r\n", File.ReadAllText(Path.Combine(tables, "Alignbench-judged-by--scripted-judge-capability.csv")), StringComparison.Ordinal);
        // The second AlignBench config keeps its own table, and has no dimensions to tabulate (judge type autoj).
        Assert.EndsWith("\r\nstories260K,0.54,0.0,0.0,0.0,1.07,0.0,0.0,0.0,0.0,0.0,6.4\r\n", File.ReadAllText(Path.Combine(tables, "Alignbench-judged-by--scripted-judge-alignbench_v1_1_judgeby_autoj-capability.csv")), StringComparison.Ordinal);
        Assert.Equal(2, Directory.GetFiles(tables, "Alignbench-*-capability.csv").Length);
        Assert.Single(Directory.GetFiles(tables, "Alignbench-*-dimension.csv"));
        Assert.Equal(1, judge.Usage.Failures);
    }

    [Fact]
    public async Task AModelServedAsBothAnswererAndJudge_GivesVerdictsThatAreItsOwnTextParsed()
    {
        // llama-6M-random: 4,096 positions hold a GSM8K judge prompt (stories260K's 512 do not, and the server refuses
        // a prompt that does not fit rather than cutting it; see the next spec).
        await using var model = OnnxLanguageModel.Load(new OnnxModelOptions { ModelFolder = SharedData.Model("llama-6M-random") });
        await using var served = await OpenAICompatibleServer.StartAsync(model, new ServerOptions { Port = 0 }, TestContext.Current.CancellationToken);
        await using var answerer = await ConnectAsync(served.BaseUrl, abbr: null);
        await using var judge = await ConnectAsync(served.BaseUrl, abbr: "llama-judge");
        var settings = new RunSettings { WorkDir = _work.Path, Timestamp = "self", BatchSize = 4, MaxOutLen = 24, JudgeMaxOutLen = 16, Limit = 4 };

        var result = await new EvaluationRunner(answerer, settings, judge: judge).RunAsync(Plan, Locate, TestContext.Current.CancellationToken);

        var outputs = JsonNode.Parse(File.ReadAllText(Path.Combine(_work.Path, "self", "results", "llama-6M-random", "gsm8k-llmjudge_replica0.json")))!;
        var verdicts = Enumerable.Range(0, 4).Select(i => VerifierVerdict.Parse((string)outputs[$"{i}"]!["prediction"]!)).ToList();
        Assert.All(Enumerable.Range(0, 4), i => Assert.False(string.IsNullOrEmpty((string)outputs[$"{i}"]!["prediction"]!)));
        var expected = new SubsetScore(verdicts.Count(v => v == Verdict.Correct), verdicts.Count(v => v == Verdict.Incorrect), verdicts.Count(v => v == Verdict.NotAttempted), 0);
        Assert.Equal(expected, result.Tasks[0].Score.Score);
        Assert.Equal(0, judge.Usage.Failures);
    }

    [Fact]
    public async Task AJudgePromptBeyondTheServedContext_IsRefused_AndItsSampleErrored_NotJudgedOnACutPrompt()
    {
        await using var model = LoadStories();
        await using var served = await OpenAICompatibleServer.StartAsync(model, new ServerOptions { Port = 0 }, TestContext.Current.CancellationToken);
        await using var answerer = await ConnectAsync(served.BaseUrl, abbr: null);
        await using var judge = await ConnectAsync(served.BaseUrl, abbr: "stories260K-judge");
        var settings = new RunSettings { WorkDir = _work.Path, Timestamp = "cut", BatchSize = 4, MaxOutLen = 24, JudgeMaxOutLen = 16, Limit = 2 };

        var result = await new EvaluationRunner(answerer, settings, judge: judge).RunAsync(Plan, Locate, TestContext.Current.CancellationToken);

        Assert.Equal(2, result.Tasks[0].Score.Score.Errored);
        Assert.All(result.Tasks[0].Samples, s => Assert.Contains("maximum context length is 512 tokens", s.Error, StringComparison.Ordinal));
    }
}
