using EvalTests.Datasets;
using EvalTests.Runs;
using EvalTests.Scoring;
using EvalTests.TestSupport;

namespace EvalTests.Core.Tests.Runs;

/// <summary>A run's stages (OpenCompass's --mode) and its checkpoint: infer, eval, all, and a run continued.</summary>
public sealed class RunStagesTests : IDisposable
{
    private readonly TempDirectory _work = new();

    public void Dispose() => _work.Dispose();

    private static string Locate(DatasetCard card) => Path.Combine(SharedData.Datasets, card.Name);

    private static RunPlan Plan => RunPlan.Create(DatasetCatalog.Default, ["ceval_gen", "ceval_ppl"], ["computer_network"]);

    // "The answer is C": first_capital takes the T, first_option the C.
    private static ScriptedLanguageModel Model() => new(_ => "The answer is C", prompt => prompt.Turns[^1].Text == "C" ? 1.0 : 2.0, abbr: "scripted");

    private RunSettings Settings(string timestamp, RunMode mode = RunMode.All) => new() { WorkDir = _work.Path, Timestamp = timestamp, Mode = mode };

    [Fact]
    public async Task InferThenEval_ScoresExactlyAsAllAndEvalAsksNoModel()
    {
        var all = await new EvaluationRunner(Model(), Settings("all")).RunAsync(Plan, Locate, TestContext.Current.CancellationToken);

        var infer = await new EvaluationRunner(Model(), Settings("staged", RunMode.Infer)).RunAsync(Plan, Locate, TestContext.Current.CancellationToken);
        Assert.True(File.Exists(infer.Layout.Predictions("scripted", "ceval_gen-computer_network")));
        Assert.False(Directory.Exists(Path.Combine(infer.Layout.RunFolder, "results")));
        Assert.False(Directory.Exists(Path.Combine(infer.Layout.RunFolder, "summary")));

        var recorded = RecordedModel.FromRun(infer.Layout, abbr: null);
        var eval = await new EvaluationRunner(recorded, Settings("staged", RunMode.Eval)).RunAsync(Plan, Locate, TestContext.Current.CancellationToken);

        Assert.Equal(all.Summary.ToText(), eval.Summary.ToText());
        Assert.Equal(File.ReadAllText(all.Layout.Results("scripted", "ceval_ppl-computer_network")), File.ReadAllText(eval.Layout.Results("scripted", "ceval_ppl-computer_network")));
        Assert.Equal("scripted:v1", recorded.Descriptor.Identity);
    }

    [Fact]
    public async Task Eval_RescoresRecordedAnswersWithAnotherPostprocessor()
    {
        var plan = RunPlan.Create(DatasetCatalog.Default, ["ceval_gen"], ["computer_network"]);
        var infer = await new EvaluationRunner(Model(), Settings("run", RunMode.Infer)).RunAsync(plan, Locate, TestContext.Current.CancellationToken);
        var recorded = RecordedModel.FromRun(infer.Layout, "scripted");

        var firstCapital = await new EvaluationRunner(recorded, Settings("run", RunMode.Eval)).RunAsync(plan, Locate, TestContext.Current.CancellationToken);
        var firstOption = await new EvaluationRunner(recorded, Settings("run", RunMode.Eval) with { Postprocessor = new PostprocessorSpec("first_option") }).RunAsync(plan, Locate, TestContext.Current.CancellationToken);

        // computer_network has 19 questions, 9 with gold C (counted with Python's csv module).
        Assert.Equal(new SubsetScore(0, 19, 0, 0), firstCapital.Tasks[0].Score.Score);
        Assert.Equal(new SubsetScore(9, 10, 0, 0), firstOption.Tasks[0].Score.Score);
        Assert.Contains("postprocessor=first_option", File.ReadAllText(firstOption.Layout.EvalLog("scripted", "ceval-computer_network")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task EvalWithoutPredictions_NamesTheMissingFile()
    {
        var infer = await new EvaluationRunner(Model(), Settings("run", RunMode.Infer)).RunAsync(RunPlan.Create(DatasetCatalog.Default, ["ceval_gen"], ["computer_network"]), Locate, TestContext.Current.CancellationToken);
        var recorded = RecordedModel.FromRun(infer.Layout, null);

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => new EvaluationRunner(recorded, Settings("run", RunMode.Eval)).RunAsync(RunPlan.Create(DatasetCatalog.Default, ["ceval_gen"], ["law"]), Locate, TestContext.Current.CancellationToken));

        Assert.Contains(Path.Combine("predictions", "scripted", "ceval-law.json"), error.Message, StringComparison.Ordinal);
        Assert.Contains("run --mode infer (or all) on this run first", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AContinuedRun_ReplaysEveryAnswerFromItsCheckpointWithoutAskingTheModel()
    {
        var first = await new EvaluationRunner(Model(), Settings("run")).RunAsync(Plan, Locate, TestContext.Current.CancellationToken);
        var model = Model();

        var again = await new EvaluationRunner(model, Settings("run")).RunAsync(Plan, Locate, TestContext.Current.CancellationToken);

        Assert.Empty(model.Batches);
        Assert.Equal(19 + 19 * 4, again.ReplayedRequests);
        Assert.Equal(0, again.SentRequests);
        Assert.Equal(first.Summary.ToText(), again.Summary.ToText());
    }

    [Fact]
    public async Task ErroredAnswers_AreNotCheckpointedSoAContinuedRunAsksThemAgain()
    {
        var plan = RunPlan.Create(DatasetCatalog.Default, ["ceval_gen"], ["computer_network"]);
        var failing = new ScriptedLanguageModel(_ => "C", abbr: "scripted") { Fails = p => p.ChatTurns[^1].Text.Contains("TCP", StringComparison.Ordinal) };
        var first = await new EvaluationRunner(failing, Settings("run") with { BatchSize = 1 }).RunAsync(plan, Locate, TestContext.Current.CancellationToken);
        var errored = first.Tasks[0].Score.Score.Errored;
        Assert.True(errored > 0);

        var healthy = new ScriptedLanguageModel(_ => "C", abbr: "scripted");
        var again = await new EvaluationRunner(healthy, Settings("run") with { BatchSize = 1 }).RunAsync(plan, Locate, TestContext.Current.CancellationToken);

        Assert.Equal(errored, again.SentRequests);
        Assert.Equal(0, again.Tasks[0].Score.Score.Errored);
    }

    [Fact]
    public async Task AnUnwritableWorkDir_IsNamedBeforeTheModelIsAskedAnything()
    {
        var file = _work.Write("not-a-folder", "x");
        var model = Model();

        var error = await Assert.ThrowsAsync<IOException>(() => new EvaluationRunner(model, new RunSettings { WorkDir = Path.Combine(file, "outputs") }).RunAsync(Plan, Locate, TestContext.Current.CancellationToken));

        Assert.StartsWith($"Cannot write the run folder {Path.Combine(file, "outputs")}", error.Message, StringComparison.Ordinal);
        Assert.Contains("Expected a writable work dir (--work-dir", error.Message, StringComparison.Ordinal);
        Assert.Empty(model.Batches);
    }

    [Fact]
    public async Task ACancelledRun_KeepsEveryFinishedDatasetAndItsCheckpointAndResumesFromThem()
    {
        using var cancel = new CancellationTokenSource();
        var plan = RunPlan.Create(DatasetCatalog.Default, ["ceval_gen"], ["computer_network", "law"]);
        var asked = 0;
        var cancelling = new ScriptedLanguageModel(_ =>
        {
            // Ctrl-C arrives while the 15th batch of two is being answered.
            if (Interlocked.Increment(ref asked) == 30)
            {
                cancel.Cancel();
            }

            return "C";
        }, abbr: "scripted");

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new EvaluationRunner(cancelling, Settings("run") with { BatchSize = 2 }).RunAsync(plan, Locate, cancel.Token));

        var layout = new RunOutputLayout(_work.Path, "run");
        Assert.Contains(plan.Tasks, t => File.Exists(layout.Predictions("scripted", t.Abbr)));
        var checkpointed = File.ReadAllLines(layout.Checkpoint("scripted")).Length;
        Assert.Equal(30, checkpointed);

        var resumed = await new EvaluationRunner(new ScriptedLanguageModel(_ => "C", abbr: "scripted"), Settings("run") with { BatchSize = 2 }).RunAsync(plan, Locate, TestContext.Current.CancellationToken);
        Assert.Equal(30, resumed.ReplayedRequests);
        Assert.Equal(19 + 24 - 30, resumed.SentRequests);
    }

    [Fact]
    public async Task AFullDisk_StopsTheRunNamingTheFileAndKeepsWhatWasWritten()
    {
        if (!OperatingSystem.IsLinux())
        {
            Assert.Skip("/dev/full, which fails every write with ENOSPC, is Linux's.");
        }

        var layout = new RunOutputLayout(_work.Path, "run");
        Directory.CreateDirectory(Path.GetDirectoryName(layout.Checkpoint("scripted"))!);
        File.CreateSymbolicLink(layout.Checkpoint("scripted"), "/dev/full");

        var error = await Assert.ThrowsAsync<IOException>(() => new EvaluationRunner(Model(), Settings("run")).RunAsync(Plan, Locate, TestContext.Current.CancellationToken));

        Assert.StartsWith($"{layout.Checkpoint("scripted")}: cannot append (", error.Message, StringComparison.Ordinal);
        Assert.Contains("continue with --reuse", error.Message, StringComparison.Ordinal);
        Assert.Single(Directory.GetFiles(Path.Combine(layout.RunFolder, "configs")));
    }

    [Fact]
    public async Task ATokenBudget_PacksBatchesBySizeNotCountAndChangesNoAnswer()
    {
        var plan = RunPlan.Create(DatasetCatalog.Default, ["ceval_gen"], ["computer_network"]);
        var fixedCount = Model();
        var expected = await new EvaluationRunner(fixedCount, Settings("fixed")).RunAsync(plan, Locate, TestContext.Current.CancellationToken);
        Assert.Equal([16, 3], fixedCount.Batches);

        // The scripted model counts characters as tokens; every prompt of this subject is under 2,000 of them.
        var roomy = Model();
        var packed = await new EvaluationRunner(roomy, Settings("roomy") with { BatchTokens = 100_000 }).RunAsync(plan, Locate, TestContext.Current.CancellationToken);
        var tight = Model();
        await new EvaluationRunner(tight, Settings("tight") with { BatchTokens = 1 }).RunAsync(plan, Locate, TestContext.Current.CancellationToken);

        Assert.Equal([19], roomy.Batches);
        Assert.Equal(Enumerable.Repeat(1, 19), tight.Batches);
        Assert.Equal(expected.Summary.ToText(), packed.Summary.ToText());
    }
}
