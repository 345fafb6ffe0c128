using EvalTests.Datasets;
using EvalTests.Prompts;
using EvalTests.Runs;
using EvalTests.Scoring;
using EvalTests.TestSupport;

namespace EvalTests.Core.Tests.Datasets;

/// <summary>
/// OpenCompass's quick custom dataset (opencompass/datasets/custom.py): expected prompts are the f-strings of
/// make_mcq_gen_config, make_mcq_ppl_config and make_qa_gen_config filled in by hand.
/// </summary>
public sealed class CustomDatasetTests : IDisposable
{
    private const string Mcq = """
        {"question": "Which planet is red?", "A": "Venus", "B": "Mars", "C": "Earth", "answer": "B"}
        {"question": "What is 2 + 2?", "A": "4", "B": "5", "C": "22", "answer": "A"}
        """;

    private readonly TempDirectory _folder = new();

    public void Dispose() => _folder.Dispose();

    private static (TemplatePrompter Prompter, DatasetSample Question) First(DatasetCard card)
    {
        var rows = DatasetLoader.Load(card, card.Location!, card.Splits.Eval, card.Subsets[0].Name);
        return (new TemplatePrompter(card.Configs[0], card.Subsets[0], []), rows[0]);
    }

    [Fact]
    public void MultipleChoice_Gen_AsksWithOpenCompassDefaultPrompt_AndReadsTheAnswerAsOptionSimAccEvaluator()
    {
        var card = CustomDataset.Create(_folder.Write("planets.v2.jsonl", Mcq));
        var (prompter, question) = First(card);

        Assert.Equal("planets", card.Configs[0].Name);
        Assert.Equal("Question: Which planet is red?\nA. Venus\nB. Mars\nC. Earth\nAnswer: ", prompter.BuildGeneration(question).Prompt.ToPlainText());
        Assert.Equal("option_sim:options=ABC", card.Configs[0].Postprocessor?.ToString());
    }

    [Fact]
    public void MultipleChoice_Ppl_ScoresOnePromptPerOption()
    {
        var card = CustomDataset.Create(_folder.Write("planets.jsonl", Mcq), EvalMode.Ppl);
        var (prompter, question) = First(card);

        var prompts = prompter.BuildPerplexity(question);

        Assert.Equal(["A", "B", "C"], prompts.Select(p => p.Label));
        Assert.Equal("Question: Which planet is red?\nA. Venus\nB. Mars\nC. Earth\nAnswer: C", prompts[2].Prompt.ToPlainText());
        Assert.Null(card.Configs[0].Postprocessor);
    }

    [Fact]
    public void QuestionAnswer_FromACsvWithoutOptionColumns_AsksTheQuestionAlone_AndComparesExactly()
    {
        var card = CustomDataset.Create(_folder.Write("capitals.csv", "question,answer\nCapital of France?,Paris\n"));
        var (prompter, question) = First(card);

        Assert.Equal("Capital of France?", prompter.BuildGeneration(question).Prompt.ToPlainText());
        Assert.Null(card.Configs[0].Postprocessor);
        Assert.Equal(AnswerMatch.Exact, card.Configs[0].Comparison);
        Assert.Throws<InvalidDataException>(() => CustomDataset.Create(_folder.Combine("capitals.csv"), EvalMode.Ppl));
    }

    [Fact]
    public void AMetaFileBesideIt_SetsTheNameAndPrompt_AndRefusesPythonObjects()
    {
        var path = _folder.Write("planets.jsonl", Mcq);
        _folder.Write("planets.jsonl.meta.json", """{"abbr": "solar", "human_prompt": "Q: {question}\nA) {A}\nB) {B}\nC) {C}"}""");

        var card = CustomDataset.Create(path);
        Assert.Equal("solar", card.Subsets[0].Name);
        Assert.Equal("Q: Which planet is red?\nA) Venus\nB) Mars\nC) Earth\nAnswer: ", First(card).Prompter.BuildGeneration(First(card).Question).Prompt.ToPlainText());

        _folder.Write("planets.jsonl.meta.json", """{"evaluator": "AccEvaluator"}""");
        var error = Assert.Throws<InvalidDataException>(() => CustomDataset.Create(path));
        Assert.Contains("planets.jsonl.meta.json: \"evaluator\" is not supported", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ACustomDataset_RunsAndItsVersionFollowsItsData()
    {
        var path = _folder.Write("planets.jsonl", Mcq);
        var card = CustomDataset.Create(path);
        var plan = RunPlan.Create(DatasetCatalog.Default.With([card]), ["planets"]);

        var result = await new EvaluationRunner(new ScriptedLanguageModel(_ => "B"), new RunSettings { WorkDir = _folder.Combine("out"), Timestamp = "run" })
            .RunAsync(plan, c => c.Location!, TestContext.Current.CancellationToken);

        Assert.Equal(new SubsetScore(1, 1, 0, 0), result.Tasks[0].Score.Score);
        _folder.Write("planets.jsonl", Mcq.Replace("Earth", "Moon", StringComparison.Ordinal));
        Assert.NotEqual(plan.Tasks[0].Version, RunPlan.Create(DatasetCatalog.Default.With([CustomDataset.Create(path)]), ["planets"]).Tasks[0].Version);
    }
}
