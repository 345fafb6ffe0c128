using System.Globalization;
using System.Text.Json.Nodes;
using EvalTests.Datasets;
using EvalTests.Judging;
using EvalTests.Prompts;
using EvalTests.Runs;
using EvalTests.Scoring;
using EvalTests.TestSupport;

namespace EvalTests.Core.Tests.Runs;

/// <summary>Runs whose answers a judge model scores: verifier verdicts, AlignBench ratings, pairwise preferences.</summary>
public sealed class JudgedRunTests : IDisposable
{
    private readonly TempDirectory _work = new();

    public void Dispose() => _work.Dispose();

    private static string Locate(DatasetCard card) => Path.Combine(SharedData.Datasets, card.Name);

    private RunSettings Settings => new() { WorkDir = _work.Path, Timestamp = "20261125_120000", BatchSize = 1, Limit = 6 };

    private string Run => Path.Combine(_work.Path, "20261125_120000");

    private static IReadOnlyList<DatasetSample> Gsm8k => DatasetLoader.Load(DatasetCatalog.Default.Resolve("gsm8k_gen").Card, Path.Combine(SharedData.Datasets, "gsm8k"), "test", "gsm8k");

    /// <summary>A judge that answers by the question its prompt is about (the index of the first question the prompt contains).</summary>
    private static ScriptedLanguageModel Judge(IReadOnlyList<DatasetSample> samples, Func<int, string> reply, Func<int, bool>? fails = null) =>
        new(prompt => reply(QuestionOf(prompt)), abbr: "judge") { Fails = prompt => fails?.Invoke(QuestionOf(prompt)) ?? false };

    private static int QuestionOf(Prompt prompt) =>
        Enumerable.Range(0, 50).First(i => prompt.ToPlainText().Contains(Gsm8kOrAlignBench(i), StringComparison.Ordinal));

    private static string Gsm8kOrAlignBench(int i) => i < Gsm8k.Count ? Gsm8k[i].Question : "\u0000";

    [Fact]
    public async Task AShardsJudge_WritesItsOwnCheckpoint_AndReplaysTheOtherShards()
    {
        var plan = RunPlan.Create(DatasetCatalog.Default, ["gsm8k_llmjudge"]);
        var model = new ScriptedLanguageModel(_ => "The answer is 18.");
        var judge = Judge(Gsm8k, _ => "A");
        await new EvaluationRunner(model, Settings with { Shard = "1of2" }, judge: judge).RunAsync(plan, Locate, TestContext.Current.CancellationToken);

        // Merged shards must not hold the same file; another process of the run answers nothing the first judged.
        Assert.True(File.Exists(Path.Combine(Run, "checkpoints", "scripted_judged-by--judge.shard1of2.jsonl")));
        Assert.False(File.Exists(Path.Combine(Run, "checkpoints", "scripted_judged-by--judge.jsonl")));
        var again = Judge(Gsm8k, _ => "B");
        var result = await new EvaluationRunner(model, Settings with { Shard = "2of2" }, judge: again).RunAsync(plan, Locate, TestContext.Current.CancellationToken);
        Assert.Equal(6, result.Tasks[0].Score.Score.Correct); // the verdicts of shard 1 replayed, not asked again
    }

    [Fact]
    public async Task Verifier_TheFirstAOrBIsTheVerdict_NoVerdictIsNotAttempted_AndAFailedJudgeIsAnError()
    {
        var model = new ScriptedLanguageModel(_ => "The answer is 18.");
        string[] replies = ["A", "B", "I cannot tell.", "C", "**A**: CORRECT, not B", "unused"];
        var judge = Judge(Gsm8k, i => replies[i], fails: i => i == 5);
        var plan = RunPlan.Create(DatasetCatalog.Default, ["gsm8k_llmjudge"]);

        var result = await new EvaluationRunner(model, Settings, judge: judge).RunAsync(plan, Locate, TestContext.Current.CancellationToken);

        Assert.Equal(new SubsetScore(2, 1, 2, 1), result.Tasks[0].Score.Score);
        Assert.Equal("gsm8k-llmjudge", result.Tasks[0].Task.Abbr);
        Assert.StartsWith("judge: scripted failure", result.Tasks[0].Samples[5].Error, StringComparison.Ordinal);

        var results = JsonNode.Parse(File.ReadAllText(Path.Combine(Run, "results", "scripted", "gsm8k-llmjudge.json")))!;
        Assert.Equal(100.0 * 2 / 6, (double)results["accuracy"]!, 12);
        Assert.Equal(100.0 * 2 / 3, (double)results["accuracy_given_attempted"]!, 12);
        Assert.Equal(50.0, (double)results["attempted_ratio"]!, 12);

        // The judge's prompt, raw reply and parsed verdict are kept where GenericLLMEvaluator keeps them.
        var outputs = JsonNode.Parse(File.ReadAllText(Path.Combine(Run, "results", "scripted", "gsm8k-llmjudge_replica0.json")))!;
        var prompt = (string)outputs["0"]!["origin_prompt"]!;
        Assert.StartsWith("You are a helpful assistant who evaluates the correctness of models' outputs.\nPlease as a grading expert", prompt, StringComparison.Ordinal);
        Assert.Contains("<Original Question Begin>:\n" + Gsm8k[0].Question + "\n<Original Question End>\n\n<Gold Target Begin>:\n" + Gsm8k[0].Answer + "\n<Gold Target End>", prompt, StringComparison.Ordinal);
        Assert.EndsWith("<Predicted Answer Begin>:\nThe answer is 18.\n<Predicted Answer End>", prompt, StringComparison.Ordinal);
        Assert.Equal("**A**: CORRECT, not B", (string)outputs["4"]!["prediction"]!);
        Assert.Equal("Correct", (string)outputs["4"]!["evaltests"]!["verdict"]!);
        Assert.Equal("NotAttempted", (string)outputs["3"]!["evaltests"]!["verdict"]!);
    }

    [Theory]
    [InlineData("ceval_llmjudge", "computer_network", "ceval-computer_network", "让我们一步一步思考。答案: ", "<Original Question Begin>: {0}\n {{options_str}} \n<Original Question End>")]
    [InlineData("cmmlu_llmjudge", "agronomy", "cmmlu-agronomy", "\n\nA) {1}\nB) {2}\nC) {3}\nD) {4}", "<Original Question Begin>: \n {0}\n A) {1}\n B) {2}\n C) {3}\n D) {4}\n<Original Question End>")]
    public async Task MultipleChoice_CanBeScoredByAVerifierJudge_WithOpenCompasssZeroShotPromptAndGrader(string config, string subject, string abbr, string promptEnd, string judgedQuestion)
    {
        var plan = RunPlan.Create(DatasetCatalog.Default, [config], [subject]);
        var card = plan.Tasks[0].Card;
        var questions = DatasetLoader.Load(card, Path.Combine(SharedData.Datasets, card.Name), card.Splits.Eval, subject);
        var judge = new ScriptedLanguageModel(prompt => prompt.ToPlainText().Contains(questions[0].Question, StringComparison.Ordinal) ? "A" : "B", abbr: "judge");

        var result = await new EvaluationRunner(new ScriptedLanguageModel(_ => "答案: A"), Settings with { Limit = 3 }, judge: judge).RunAsync(plan, Locate, TestContext.Current.CancellationToken);

        Assert.Equal((abbr, 1, 2), (result.Tasks[0].Task.Abbr, result.Tasks[0].Score.Score.Correct, result.Tasks[0].Score.Score.Wrong));
        var first = questions[0];
        string Fill(string text) => string.Format(CultureInfo.InvariantCulture, text, first.Question, first["A"], first["B"], first["C"], first["D"]);
        var predictions = JsonNode.Parse(File.ReadAllText(result.Layout.Predictions("scripted", abbr)))!;
        Assert.EndsWith(Fill(promptEnd), (string)predictions["0"]!["origin_prompt"]!, StringComparison.Ordinal); // zero-shot: the question alone
        var judged = (string)JsonNode.Parse(File.ReadAllText(Path.Combine(Run, "results", "scripted", abbr + "_replica0.json")))!["0"]!["origin_prompt"]!;
        Assert.StartsWith("You are a helpful assistant who evaluates the correctness and quality of models' outputs.\nPlease as a grading expert, judge whether", judged, StringComparison.Ordinal);
        Assert.Contains(Fill(judgedQuestion) + "\n\n\n    <Gold Target Begin>: \n" + first.Answer + "\n<Gold Target End>\n\n\n    <Predicted Answer Begin>: \n答案: A\n<Predicted End>\n\n\n    Judging the correctness of candidates' answers:", judged, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cascade_JudgesOnlyWhatTheRuleFindsWrong()
    {
        // The gold of question 0 is 18; the rule's last number of "so 18" matches it, the other five go to the judge.
        var model = new ScriptedLanguageModel(_ => "so 18");
        var asked = new List<int>();
        var judge = Judge(Gsm8k, i => { asked.Add(i); return "A"; });
        var plan = RunPlan.Create(DatasetCatalog.Default, ["gsm8k_cascade"]);

        var result = await new EvaluationRunner(model, Settings, judge: judge).RunAsync(plan, Locate, TestContext.Current.CancellationToken);

        Assert.Equal([1, 2, 3, 4, 5], asked.Order());
        Assert.Equal(new SubsetScore(6, 0, 0, 0), result.Tasks[0].Score.Score);
    }

    [Fact]
    public async Task AutoBatchSize_MeasuresALocalJudgeOnItsOwnLongestPrompt()
    {
        var model = new ScriptedLanguageModel(_ => "18") { Capacity = _ => 4 };
        var judge = new ScriptedLanguageModel(_ => "A", abbr: "judge") { Capacity = _ => 2 };
        var plan = RunPlan.Create(DatasetCatalog.Default, ["gsm8k_llmjudge"]);

        var result = await new EvaluationRunner(model, Settings with { AutoBatchSize = true, MaxOutLen = 5, JudgeMaxOutLen = 3 }, judge: judge).RunAsync(plan, Locate, TestContext.Current.CancellationToken);

        Assert.Equal([4, 2], model.Batches);
        Assert.Equal([2, 2, 2], judge.Batches);
        var longestJudgePrompt = JsonNode.Parse(File.ReadAllText(Path.Combine(Run, "results", "scripted", "gsm8k-llmjudge_replica0.json")))!.AsObject().Max(p => ((string)p.Value!["origin_prompt"]!).Length);
        Assert.Equal((longestJudgePrompt, 3, 6), Assert.Single(judge.CapacityQuestions));
        Assert.Equal(new Dictionary<RequestKind, int> { [RequestKind.Gen] = 4, [RequestKind.Judge] = 2 }, result.MeasuredBatchSizes);
    }

    [Fact]
    public async Task NoJudge_IsRefusedBeforeTheModelIsAsked_UnlessTheRunOnlyInfers()
    {
        var model = new ScriptedLanguageModel(_ => "18");
        var plan = RunPlan.Create(DatasetCatalog.Default, ["gsm8k_llmjudge"]);

        var error = await Assert.ThrowsAsync<ArgumentException>(() => new EvaluationRunner(model, Settings).RunAsync(plan, Locate, TestContext.Current.CancellationToken));

        Assert.Contains("gsm8k_llmjudge_gen is judged by a model, and no judge was given: name one with --judge-model", error.Message, StringComparison.Ordinal);
        Assert.Empty(model.Batches);
        var inferred = await new EvaluationRunner(model, Settings with { Mode = RunMode.Infer }).RunAsync(plan, Locate, TestContext.Current.CancellationToken);
        Assert.Equal(6, inferred.SentRequests);
    }

    [Fact]
    public async Task EvalMode_JudgesTheRecordedPredictions_AndASecondEvalReplaysTheJudgesCheckpoint()
    {
        var model = new ScriptedLanguageModel(_ => "18");
        var plan = RunPlan.Create(DatasetCatalog.Default, ["gsm8k_llmjudge"]);
        await new EvaluationRunner(model, Settings with { Mode = RunMode.Infer }).RunAsync(plan, Locate, TestContext.Current.CancellationToken);
        var recorded = RecordedModel.FromRun(new RunOutputLayout(_work.Path, "20261125_120000"), "scripted");
        var calls = 0;
        var judge = Judge(Gsm8k, i => { calls++; return i % 2 == 0 ? "A" : "B"; });

        var first = await new EvaluationRunner(recorded, Settings with { Mode = RunMode.Eval }, judge: judge).RunAsync(plan, Locate, TestContext.Current.CancellationToken);
        var second = await new EvaluationRunner(recorded, Settings with { Mode = RunMode.Eval }, judge: judge).RunAsync(plan, Locate, TestContext.Current.CancellationToken);

        Assert.Equal(new SubsetScore(3, 3, 0, 0), first.Tasks[0].Score.Score);
        Assert.Equal(first.Tasks[0].Score.Score, second.Tasks[0].Score.Score);
        Assert.Equal(6, calls);
        Assert.Equal(6, second.ReplayedRequests);
        Assert.True(File.Exists(Path.Combine(Run, "checkpoints", "scripted_judged-by--judge.jsonl")));
    }

    [Fact]
    public async Task AlignBenchRating_UnparsableAndOutOfRangeRatingsAreCounted_AndTheSummaryTablesAreOpenCompasss()
    {
        var card = DatasetCatalog.Default.Resolve("alignbench").Card;
        var questions = DatasetLoader.Load(card, Path.Combine(SharedData.Datasets, "alignbench"), "test", card.Subsets[0].Name);
        string[] replies =
        [
            "回答基本正确。{'事实正确性': 7, '满足用户需求': 8, '清晰度': 6, '完备性': 7, '综合得分': 7}",
            "有错误。{'事实正确性': 4, '满足用户需求': 5, '清晰度': 6, '完备性': 5, '综合得分': 5}",
            "我无法评分。",
            "{'事实正确性': 12, '满足用户需求': 5, '清晰度': 6, '完备性': 5, '综合得分': 5}",
        ];
        var judge = new ScriptedLanguageModel(prompt => replies[Enumerable.Range(0, 4).First(i => prompt.ToPlainText().Contains("用户的提问： " + questions[i].Question + "\n", StringComparison.Ordinal))], abbr: "judge");
        var model = new ScriptedLanguageModel(_ => "<think>先想一想</think> 我的回答");
        var plan = RunPlan.Create(DatasetCatalog.Default, ["alignbench"]);

        var result = await new EvaluationRunner(model, Settings with { Limit = 4 }, judge: judge).RunAsync(plan, Locate, TestContext.Current.CancellationToken);

        // Questions 1-4 are all 专业能力: its mean is 6.0, 中文语言总分 (0+0+0+0+0+6)/6 = 1.0, 中文推理总分 0, 总分 0.5.
        var score = result.Tasks[0].Score.Score;
        Assert.Equal((2, 2, 4), (score.Scored, score.Unparsed, score.Total));
        Assert.Equal(0.5, score.Value);
        var outputs = JsonNode.Parse(File.ReadAllText(Path.Combine(Run, "results", "scripted_judged-by--judge", "alignment_bench_v1_1.json")))!;
        Assert.EndsWith("[助手的答案开始]\n我的回答\n[助手的答案结束]\n", (string)outputs["0"]!["origin_prompt"]!, StringComparison.Ordinal);
        Assert.Equal(7.0, (double)outputs["0"]!["evaltests"]!["score"]!);
        Assert.Null(outputs["2"]!["evaltests"]!["score"]);

        var tables = Path.Combine(Run, "summary", result.SummaryTimestamp);
        Assert.Equal("模型,事实正确性,满足用户需求,清晰度,完备性,综合得分\r\nscripted,5.5,6.5,6.0,6.0,6.0\r\n", File.ReadAllText(Path.Combine(tables, "Alignbench-judged-by--judge-dimension.csv")));
        Assert.Equal(
            "0,1,2,3,4,5,6,7,8,9,10,11\r\n模型,总分,中文推理,,,中文语言,,,,,,\r\n模型,总分,中文推理总分,数学计算,逻辑推理,中文语言总分,基本任务,中文理解,综合问答,文本写作,角色扮演,专业能力\r\n"
            + "scripted,0.5,0.0,0.0,0.0,1.0,0.0,0.0,0.0,0.0,0.0,6.0\r\n",
            File.ReadAllText(Path.Combine(tables, "Alignbench-judged-by--judge-capability.csv")));
    }

    /// <summary>A card of one's own: GSM8K's data, its answers rated by MT-Bench's single_math_v1 grader.</summary>
    private const string MtBenchRatedGsm8kCard = """
        {
          "name": "gsm8k", "title": "GSM8K rated", "format": "gsm8k-jsonl", "filePattern": "{split}/{split}.jsonl",
          "splits": { "eval": "test", "fewShot": null },
          "subsets": [ { "name": "gsm8k", "title": "GSM8K", "localName": "GSM8K", "categories": [] } ],
          "groups": [],
          "sha256": { "test/test.jsonl": "3730d312f6e3440559ace48831e51066acaca737f6eabec99bccb9e4b3c39d14" },
          "configs": [ {
            "name": "gsm8k_mtbench_single", "mode": "gen", "abbr": "gsm8k-rated", "metric": "score",
            "template": { "human": "Question: {question}\nLet's think step by step\nAnswer:", "bot": "" },
            "judge": {
              "kind": "rating", "ratingFormat": "mtbench",
              "template": [
                { "role": "system", "prompt": "You are a helpful assistant." },
                { "role": "human", "prompt": "[Instruction]\nPlease act as an impartial judge ... \"Rating: [[5]]\".\n\n[Question]\n{question}\n\n[The Start of Reference Answer]\n{reference}\n[The End of Reference Answer]\n\n[The Start of Assistant's Answer]\n{prediction}\n[The End of Assistant's Answer]" }
              ]
            }
          } ]
        }
        """;

    [Fact]
    public async Task Rating_InMtBenchsFormat_FromACardOfOnesOwn_IsTheMeanOfTheParsedScores()
    {
        var card = EvalTests.Datasets.Cards.CardReader.Parse(MtBenchRatedGsm8kCard, "gsm8k-rated.card.json");
        var plan = RunPlan.Create(new DatasetCatalog([card]), ["gsm8k_mtbench_single"]);
        string[] replies = ["Correct and clear. Rating: [[9]]", "Rating: [[6.5]]", "[[8]]", "Rating: 7", "Rating:[[4]] then Rating: [[10]]", "unused"];
        var judge = Judge(Gsm8k, i => replies[i], fails: i => i == 5);

        var result = await new EvaluationRunner(new ScriptedLanguageModel(_ => "The answer is 18."), Settings, judge: judge).RunAsync(plan, Locate, TestContext.Current.CancellationToken);

        // Rated 9, 6.5 and 4 (the first rating); "[[8]]" and "Rating: 7" are not MT-Bench's format; one judge call failed.
        var score = result.Tasks[0].Score.Score;
        Assert.Equal((3, 2, 1), (score.Scored, score.Unparsed, score.Errored));
        Assert.Equal(6.5, score.Value, 12);
        var outputs = JsonNode.Parse(File.ReadAllText(Path.Combine(Run, "results", "scripted_judged-by--judge", "gsm8k-rated.json")))!;
        Assert.EndsWith("[The Start of Reference Answer]\n" + Gsm8k[0]["answer"] + "\n[The End of Reference Answer]\n\n[The Start of Assistant's Answer]\nThe answer is 18.\n[The End of Assistant's Answer]", (string)outputs["0"]!["origin_prompt"]!, StringComparison.Ordinal);
        Assert.Equal(6.5, (double)outputs["1"]!["evaltests"]!["score"]!);
        Assert.False(File.Exists(Path.Combine(Run, "summary", result.SummaryTimestamp, "Alignbench-judged-by--judge-capability.csv")));
    }

    [Fact]
    public async Task Pairwise_TheOrderAlternates_AndTheWinRateCountsTiesAsHalf_LeavingUnparsedOut()
    {
        var plan = RunPlan.Create(DatasetCatalog.Default, ["alignbench_pairwise"]);
        var settings = Settings with { Limit = 4, Baseline = "baseline" };
        await new EvaluationRunner(new ScriptedLanguageModel(_ => "bad", abbr: "baseline"), settings with { Mode = RunMode.Infer }).RunAsync(plan, Locate, TestContext.Current.CancellationToken);
        var card = plan.Tasks[0].Card;
        var questions = DatasetLoader.Load(card, Path.Combine(SharedData.Datasets, "alignbench"), "test", card.Subsets[0].Name);
        var judge = new ScriptedLanguageModel(prompt =>
        {
            var text = prompt.ToPlainText();
            var index = Enumerable.Range(0, 4).First(i => text.Contains("[User Question]\n" + questions[i].Question + "\n", StringComparison.Ordinal));
            return index switch
            {
                2 => "Both are fine, I cannot decide.",
                3 => "A tie: [[C]]",
                _ => text.Contains("[The Start of Assistant A's Answer]\ngood\n", StringComparison.Ordinal) ? "A is better. [[A]]" : "B is better. [[B]]",
            };
        }, abbr: "judge");

        var result = await new EvaluationRunner(new ScriptedLanguageModel(_ => "good"), settings, judge: judge).RunAsync(plan, Locate, TestContext.Current.CancellationToken);

        var score = result.Tasks[0].Score.Score;
        Assert.Equal((2, 0, 1, 1), (score.Correct, score.Wrong, score.Scored, score.Unparsed));
        Assert.Equal(100 * 2.5 / 3, score.Value, 12);
        var outputs = JsonNode.Parse(File.ReadAllText(Path.Combine(Run, "results", "scripted_judged-by--judge", "alignment_bench_v1_1-pairwise.json")))!;
        Assert.Equal([true, false, true, false], Enumerable.Range(0, 4).Select(i => (bool)outputs[i.ToString()]!["evaltests"]!["model_shown_first"]!));
        Assert.Contains("[The Start of Assistant A's Answer]\nbad\n", (string)outputs["1"]!["origin_prompt"]!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pairwise_InBothOrders_CancelsAJudgeThatAlwaysPrefersTheFirstAnswer()
    {
        var (card, config) = DatasetCatalog.Default.Resolve("alignbench_pairwise");
        var bothOrders = card with { Configs = [config with { Judge = config.Judge! with { Order = PairwiseOrder.Both } }] };
        var plan = RunPlan.Create(new DatasetCatalog([bothOrders]), ["alignbench_pairwise"]);
        var settings = Settings with { Limit = 3, Baseline = "baseline" };
        await new EvaluationRunner(new ScriptedLanguageModel(_ => "bad", abbr: "baseline"), settings with { Mode = RunMode.Infer }).RunAsync(plan, Locate, TestContext.Current.CancellationToken);
        var judge = new ScriptedLanguageModel(_ => "[[A]]", abbr: "judge");

        var result = await new EvaluationRunner(new ScriptedLanguageModel(_ => "good"), settings, judge: judge).RunAsync(plan, Locate, TestContext.Current.CancellationToken);

        // Each question is judged twice (a win shown first, a loss shown second): a tie, so the win rate is 50.
        Assert.Equal(6, judge.Batches.Sum());
        Assert.Equal((0, 0, 3), (result.Tasks[0].Score.Score.Correct, result.Tasks[0].Score.Score.Wrong, result.Tasks[0].Score.Score.Scored));
        Assert.Equal(50.0, result.Tasks[0].Score.Score.Value);
    }

    [Fact]
    public async Task Pairwise_WithoutTheBaselinesPredictions_NamesTheFileAndHowToMakeIt()
    {
        var plan = RunPlan.Create(DatasetCatalog.Default, ["alignbench_pairwise"]);
        var runner = new EvaluationRunner(new ScriptedLanguageModel(_ => "good"), Settings with { Limit = 2, Baseline = "baseline" }, judge: new ScriptedLanguageModel(_ => "[[A]]", abbr: "judge"));

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => runner.RunAsync(plan, Locate, TestContext.Current.CancellationToken));

        Assert.Contains(Path.Combine("predictions", "baseline", "alignment_bench_v1_1-pairwise.json") + ": no predictions of the baseline model 'baseline'", error.Message, StringComparison.Ordinal);
        Assert.Contains("--mode infer", error.Message, StringComparison.Ordinal);
    }
}
