using EvalTests.TestSupport;

namespace EvalTests.Cli.Tests;

/// <summary>A team's own data from the command line: the card of docs/datasets.md as written there, a quick custom dataset, a slice.</summary>
public sealed class UserDatasetCommandTests : IDisposable
{
    private readonly TempDirectory _work = new();

    public void Dispose() => _work.Dispose();

    [Fact]
    public async Task TheDocumentedCard_RunsEveryConfig_FromItsOwnFolder()
    {
        DocExamples.WriteTo("docs/datasets.md", _work.Path);

        var output = await CliRunner.RunOkAsync("run", "--model", SharedData.Model("stories260K"), "--card", _work.Combine("evals", "trivia.card.json"), "-w", _work.Combine("out"), "--max-out-len", "8");

        Assert.Contains($"Data trivia: {_work.Combine("evals", "data")}", output, StringComparison.Ordinal);
        Assert.Matches(@"trivia_gen\s+[0-9a-f]{6}\s+accuracy\s+gen\s+\d+\.\d\d", CliRunner.SummaryTable(output));
        Assert.Matches(@"trivia_ppl\s+[0-9a-f]{6}\s+accuracy\s+ppl\s+\d+\.\d\d", CliRunner.SummaryTable(output));
        Assert.Contains("6 questions:", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ACardsFolder_MakesItsConfigsNameable_BesideTheBuiltInOnes()
    {
        DocExamples.WriteTo("docs/datasets.md", _work.Path);

        var output = await CliRunner.RunOkAsync("run", "--model", SharedData.Model("stories260K"), "--cards-dir", _work.Combine("evals"), "-d", "trivia_ppl", "ceval_ppl",
            "--subsets", "trivia", "computer_network", "--data-root", SharedData.Datasets, "-w", _work.Combine("out"));

        Assert.Matches(@"\ntrivia\s+[0-9a-f]{6}\s+accuracy\s+ppl", CliRunner.SummaryTable(output));
        Assert.Matches(@"ceval-computer_network\s+[0-9a-f]{6}\s+accuracy\s+ppl", CliRunner.SummaryTable(output));
    }

    [Fact]
    public async Task AnInvalidCard_FailsBeforeAnyModelIsLoaded_NamingThePathLineAndExpectation()
    {
        DocExamples.WriteTo("docs/datasets.md", _work.Path);
        var card = _work.Combine("evals", "trivia.card.json");
        File.WriteAllText(card, File.ReadAllText(card).Replace("\"mode\": \"ppl\"", "\"mode\": \"perplexity\"", StringComparison.Ordinal));

        var (exit, output, error) = await CliRunner.RunAsync("run", "--model", SharedData.Model("stories260K"), "--card", card, "-w", _work.Combine("out"));

        Assert.NotEqual(0, exit);
        Assert.Contains($"{card}: not a valid dataset card (card.schema.json):", error + output, StringComparison.Ordinal);
        Assert.Contains("$.configs[1].mode (line 22): \"perplexity\" is not allowed; expected one of \"gen\", \"ppl\"", error + output, StringComparison.Ordinal);
        Assert.DoesNotContain("Model stories260K", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("gen", "gen")]
    [InlineData("ppl", "ppl")]
    public async Task ACustomDatasetPath_RunsInEitherMode(string method, string mode)
    {
        var data = _work.Write("mine.jsonl", """
            {"question": "Which planet is red?", "A": "Venus", "B": "Mars", "answer": "B"}
            {"question": "What is 2 + 2?", "A": "4", "B": "5", "answer": "A"}
            """);

        var output = await CliRunner.RunOkAsync("run", "--model", SharedData.Model("stories260K"), "--custom-dataset-path", data, "--custom-dataset-infer-method", method, "-w", _work.Combine("out"), "--max-out-len", "8");

        Assert.Matches($@"\nmine\s+[0-9a-f]{{6}}\s+accuracy\s+{mode}\s+\d+\.\d\d", CliRunner.SummaryTable(output));
        Assert.Contains("2 questions:", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TestRange_EvaluatesTheSlice()
    {
        var output = await CliRunner.RunOkAsync("run", "--model", SharedData.Model("stories260K"), "-d", "ceval_ppl", "--subsets", "computer_network", "--test-range", "[-4::2]",
            "--data-root", SharedData.Datasets, "-w", _work.Combine("out"));

        Assert.Contains("2 questions:", output, StringComparison.Ordinal);
    }
}
