using System.Text.Json.Nodes;
using EvalTests.Datasets;
using EvalTests.Runs;
using EvalTests.Scoring;
using EvalTests.TestSupport;

namespace EvalTests.Core.Tests.Runs;

public sealed class EvaluationRunnerTests : IDisposable
{
    private readonly TempDirectory _work = new();

    public void Dispose() => _work.Dispose();

    private static string Locate(DatasetCard card) => Path.Combine(SharedData.Datasets, card.Name);

    private RunSettings Settings => new() { WorkDir = _work.Path, Timestamp = "20261124_120000", BatchSize = 8 };

    [Fact]
    public async Task TestRange_EvaluatesTheSlicedRows_NumberedFromZeroAsOpenCompassNumbersThem()
    {
        var plan = RunPlan.Create(DatasetCatalog.Default, ["ceval_gen"], ["computer_network"]);
        var settings = Settings with { TestRange = EvalTests.Python.PythonSlice.Parse("[-3:]") };

        var result = await new EvaluationRunner(new ScriptedLanguageModel(_ => "C", abbr: "scripted"), settings).RunAsync(plan, Locate, TestContext.Current.CancellationToken);

        // The last three rows of computer_network_val.csv have gold A, B, C (read with Python's csv module).
        var predictions = JsonNode.Parse(File.ReadAllText(result.Layout.Predictions("scripted", "ceval-computer_network")))!.AsObject();
        Assert.Equal(["0", "1", "2"], predictions.Select(p => p.Key));
        Assert.Equal(["A", "B", "C"], predictions.Select(p => (string?)p.Value!["gold"]));
        Assert.Equal(new SubsetScore(1, 2, 0, 0), result.Tasks[0].Score.Score);
        var config = File.ReadAllText(Directory.EnumerateFiles(result.Layout.ConfigsFolder).Single());
        Assert.Contains("\"test_range\": \"[-3:]\"", config, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GenRun_ScoresExtractedAnswers_AndWritesTheOpenCompassTree()
    {
        // computer_network has 19 questions, 2 with gold A; law has 24, 5 with gold A (counted with Python's csv module).
        var model = new ScriptedLanguageModel(_ => "A. because");
        var plan = RunPlan.Create(DatasetCatalog.Default, ["ceval_gen"], ["computer_network", "law"]);

        var result = await new EvaluationRunner(model, Settings).RunAsync(plan, Locate, TestContext.Current.CancellationToken);

        var scores = result.Tasks.ToDictionary(t => t.Task.Abbr, t => t.Score.Score);
        Assert.Equal(new SubsetScore(2, 17, 0, 0), scores["ceval-computer_network"]);
        Assert.Equal(new SubsetScore(5, 19, 0, 0), scores["ceval-law"]);

        var run = Path.Combine(_work.Path, "20261124_120000");
        Assert.True(File.Exists(Path.Combine(run, "predictions", "scripted", "ceval-law.json")));
        Assert.True(File.Exists(Path.Combine(run, "results", "scripted", "ceval-law.json")));
        Assert.True(File.Exists(Path.Combine(run, "logs", "infer", "scripted", "ceval-law.out")));
        Assert.True(File.Exists(Path.Combine(run, "logs", "eval", "scripted", "ceval-law.out")));
        Assert.Single(Directory.GetFiles(Path.Combine(run, "configs"), "20261124_120000_*.json"));
        Assert.True(File.Exists(result.Layout.SummaryFile(result.SummaryTimestamp, "txt")));
        Assert.True(File.Exists(result.Layout.SummaryFile(result.SummaryTimestamp, "csv")));
        Assert.True(File.Exists(result.Layout.SummaryFile(result.SummaryTimestamp, "md")));

        var predictions = JsonNode.Parse(File.ReadAllText(Path.Combine(run, "predictions", "scripted", "ceval-computer_network.json")))!;
        Assert.Equal("A. because", (string?)predictions["0"]!["prediction"]);
        Assert.Equal("C", (string?)predictions["0"]!["gold"]);
        Assert.EndsWith("求问传送时要添加几个0____\nA. 1\nB. 2\nC. 3\nD. 4\n答案: ", (string?)predictions["0"]!["origin_prompt"], StringComparison.Ordinal);

        var results = JsonNode.Parse(File.ReadAllText(Path.Combine(run, "results", "scripted", "ceval-computer_network.json")))!;
        Assert.Equal(100.0 * 2 / 19, (double)results["accuracy"]!, 12);
    }

    [Fact]
    public async Task GenRun_CountsUnparsedAnswersSeparately()
    {
        var model = new ScriptedLanguageModel(_ => "no capital letters here");
        var plan = RunPlan.Create(DatasetCatalog.Default, ["ceval_gen"], ["computer_network"]);

        var result = await new EvaluationRunner(model, Settings).RunAsync(plan, Locate, TestContext.Current.CancellationToken);

        Assert.Equal(new SubsetScore(0, 0, 19, 0), result.Tasks[0].Score.Score);
    }

    [Fact]
    public async Task FailingBatch_IsRecordedPerSampleAsErrored_AndTheRunFinishes()
    {
        var model = new ScriptedLanguageModel(_ => "A") { Fails = p => p.ToPlainText().Contains("TCP端对端通信", StringComparison.Ordinal) };
        var plan = RunPlan.Create(DatasetCatalog.Default, ["ceval_gen"], ["computer_network"]);

        var result = await new EvaluationRunner(model, Settings with { BatchSize = 1 }).RunAsync(plan, Locate, TestContext.Current.CancellationToken);

        var score = result.Tasks[0].Score.Score;
        Assert.Equal(1, score.Errored);
        Assert.Equal(19, score.Total);
        Assert.Contains("500 Internal Server Error", result.Tasks[0].Samples.Single(s => s.Outcome == SampleOutcome.Errored).Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PplRun_PicksTheLowestPplLabel_FirstOnTies()
    {
        // Option C always scores best, except that A and C tie on questions whose prompt mentions TCP.
        var model = new ScriptedLanguageModel(null, prompt =>
        {
            var text = prompt.ToPlainText();
            return text.EndsWith("\nC", StringComparison.Ordinal) || (text.Contains("TCP", StringComparison.Ordinal) && text.EndsWith("\nA", StringComparison.Ordinal)) ? 1.0 : 2.0;
        });
        var plan = RunPlan.Create(DatasetCatalog.Default, ["ceval_ppl"], ["computer_network"]);

        var result = await new EvaluationRunner(model, Settings).RunAsync(plan, Locate, TestContext.Current.CancellationToken);

        var samples = result.Tasks[0].Samples;
        Assert.Equal("A", samples[2].Answer);   // "TCP端对端通信作用于____": A and C tie, A comes first
        Assert.Equal("C", samples[1].Answer);
        var predictions = JsonNode.Parse(File.ReadAllText(result.Layout.Predictions("scripted", "ceval-computer_network")))!;
        Assert.Equal(1.0, (double)predictions["1"]!["label: C"]!["PPL"]!);
        Assert.NotNull(predictions["1"]!["in-context examples"]);
    }

    [Fact]
    public async Task PplRun_DividesBySequenceLengthWithTheFirstToken_AsOpenCompass()
    {
        // Label A: 20 predicted tokens of -0.6 (21 input tokens); every other label: one of -0.7 (2 input tokens). The mean
        // over predicted tokens would pick A (0.6 < 0.7); OpenCompass's get_ppl divides the sum by the input tokens:
        // A 12/21 = 0.5714…, the others 0.7/2 = 0.35, so it picks B (the first of the tied ones).
        var model = new ScriptedLanguageModel(prompt => prompt.ToPlainText().EndsWith("\nA", StringComparison.Ordinal)
            ? Enumerable.Repeat(-0.6, 20).ToList()
            : [-0.7]);
        var plan = RunPlan.Create(DatasetCatalog.Default, ["ceval_ppl"], ["computer_network"]);

        var result = await new EvaluationRunner(model, Settings).RunAsync(plan, Locate, TestContext.Current.CancellationToken);

        Assert.All(result.Tasks[0].Samples, sample => Assert.Equal("B", sample.Answer));
        var predictions = JsonNode.Parse(File.ReadAllText(result.Layout.Predictions("scripted", "ceval-computer_network")))!;
        Assert.Equal(12.0 / 21, (double)predictions["0"]!["label: A"]!["PPL"]!, 1e-12);
        Assert.Equal(0.35, (double)predictions["0"]!["label: B"]!["PPL"]!, 1e-12);
    }

    [Fact]
    public async Task AllSubsetsOfAMode_ShareBatches()
    {
        var model = new ScriptedLanguageModel(_ => "A");
        var plan = RunPlan.Create(DatasetCatalog.Default, ["ceval_gen"], ["computer_network", "operating_system"]);

        await new EvaluationRunner(model, Settings with { BatchSize = 16 }).RunAsync(plan, Locate, TestContext.Current.CancellationToken);

        // 19 + 19 questions in batches of 16, not 16+3 per subject.
        Assert.Equal([16, 16, 6], model.Batches);
    }

    [Theory]
    [InlineData("ceval_gen", 54)]
    [InlineData("ceval_ppl", 54 * 4)]
    public async Task ARepeatedQuestion_IsAskedOnce_AndAnswersBothCopies(string config, int expectedRequests)
    {
        // college_economics' val split holds one question twice (ids 5 and 54, same text and options, golds D and C).
        var model = new ScriptedLanguageModel(_ => "D", prompt => prompt.ToPlainText().EndsWith('D') ? 0.5 : 1.0);
        var plan = RunPlan.Create(DatasetCatalog.Default, [config], ["college_economics"]);

        var result = await new EvaluationRunner(model, Settings with { BatchSize = 64 }).RunAsync(plan, Locate, TestContext.Current.CancellationToken);

        Assert.Equal(expectedRequests, model.Batches.Sum());
        Assert.Equal(expectedRequests, result.SentRequests);
        var samples = result.Tasks[0].Samples;
        Assert.Equal(55, samples.Count);
        Assert.Equal(("D", "D"), (samples[5].Answer, samples[54].Answer));
        Assert.Equal((SampleOutcome.Correct, SampleOutcome.Wrong), (samples[5].Outcome, samples[54].Outcome));
    }

    [Fact]
    public async Task AutoBatchSize_AsksTheModelWithTheLongestRequest_AndBatchesByItsAnswer()
    {
        var model = new ScriptedLanguageModel(_ => "A") { Capacity = _ => 5 };
        var plan = RunPlan.Create(DatasetCatalog.Default, ["ceval_gen"], ["computer_network"]);

        var result = await new EvaluationRunner(model, Settings with { AutoBatchSize = true, MaxOutLen = 7 }).RunAsync(plan, Locate, TestContext.Current.CancellationToken);

        Assert.Equal((MaxPromptLength(_work.Path), 7, 19), Assert.Single(model.CapacityQuestions));
        Assert.Equal([5, 5, 5, 4], model.Batches);
        Assert.Equal(5, result.MeasuredBatchSizes[RequestKind.Gen]);
    }

    /// <summary>The longest origin_prompt the run wrote (the scripted model counts a character as a token).</summary>
    private static int MaxPromptLength(string work) => JsonNode.Parse(File.ReadAllText(Path.Combine(work, "20261124_120000", "predictions", "scripted", "ceval-computer_network.json")))!
        .AsObject().Max(p => ((string)p.Value!["origin_prompt"]!).Length);

    [Fact]
    public async Task ModeTheModelCannotServe_IsRefusedBeforeAnyWork()
    {
        var model = new ScriptedLanguageModel(_ => "A");
        var plan = RunPlan.Create(DatasetCatalog.Default, ["ceval_ppl"], ["law"]);

        var error = await Assert.ThrowsAsync<NotSupportedException>(() => new EvaluationRunner(model, Settings).RunAsync(plan, Locate, TestContext.Current.CancellationToken));

        Assert.Equal("Model 'scripted' cannot serve ppl mode (ceval_ppl_578f8d): it does not offer LogLikelihood.", error.Message);
        Assert.Empty(model.Batches);
    }

    [Fact]
    public void Plan_BothModesOfOneBenchmark_KeepTheirRowsApart()
    {
        var plan = RunPlan.Create(DatasetCatalog.Default, ["ceval_gen", "ceval_ppl"], ["law"]);

        Assert.Equal(["ceval_gen-law", "ceval_ppl-law"], plan.Tasks.Select(t => t.Abbr));
        Assert.Contains(plan.Groups, g => g.Name == "ceval_ppl-humanities");
    }

    [Fact]
    public void Plan_GroupsFollowTheCardCategories()
    {
        var plan = RunPlan.Create(DatasetCatalog.Default, ["ceval_gen"]);

        Assert.Equal(["ceval-stem", "ceval-social-science", "ceval-humanities", "ceval-other", "ceval-hard", "ceval"], plan.Groups.Select(g => g.Name));
        Assert.Equal([20, 10, 11, 11, 8, 52], plan.Groups.Select(g => g.Members.Count));
    }

    [Fact]
    public void Version_ChangesWhenThePromptChanges()
    {
        var (card, config) = DatasetCatalog.Default.Resolve("ceval_gen");
        var subset = card.Subsets[0];

        var original = RunPlan.Version(card, config, subset);
        var edited = RunPlan.Version(card, config with { Template = config.Template! with { Human = config.Template.Human + " " } }, subset);

        Assert.Matches("^[0-9a-f]{6}$", original);
        Assert.NotEqual(original, edited);
        Assert.NotEqual(original, RunPlan.Version(card, config, card.Subsets[1]));
    }

    [Fact]
    public void Plan_UnknownSubset_IsNamed()
    {
        var error = Assert.Throws<ArgumentException>(() => RunPlan.Create(DatasetCatalog.Default, ["ceval_gen"], ["computer_netwrok"]));

        Assert.Contains("computer_netwrok", error.Message, StringComparison.Ordinal);
    }
}
