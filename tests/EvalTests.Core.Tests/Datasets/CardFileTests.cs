using EvalTests.Datasets;
using EvalTests.Datasets.Cards;
using EvalTests.Runs;
using EvalTests.Scoring;
using EvalTests.TestSupport;

namespace EvalTests.Core.Tests.Datasets;

/// <summary>A team's own dataset as a card file: read as the built-in cards are, its data beside it, every mistake named.</summary>
public sealed class CardFileTests : IDisposable
{
    private const string Card = """
        {
          "name": "trivia",
          "title": "Team trivia",
          "format": "jsonl",
          "dataDir": "data",
          "filePattern": "{subset}.jsonl",
          "columns": { "question": "prompt", "answer": "label" },
          "splits": { "eval": "test" },
          "subsets": [ { "name": "trivia" } ],
          "configs": [
            {
              "name": "trivia_gen",
              "mode": "gen",
              "abbr": "trivia",
              "template": { "human": "Question: {question}\nA. {A}\nB. {B}", "bot": "Answer: {answer}" },
              "postprocessor": { "name": "first_option", "options": "AB" },
              "metric": "accuracy"
            }
          ]
        }
        """;

    private const string Data = """
        {"prompt": "Which planet is red?", "A": "Venus", "B": "Mars", "label": "B"}
        {"prompt": "What is 2 + 2?", "A": "4", "B": "5", "label": "A"}
        """;

    private readonly TempDirectory _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task ACardFile_RunsOnItsOwnData_FoundBesideIt()
    {
        var path = _folder.Write("evals/trivia.card.json", Card);
        _folder.Write("evals/data/trivia.jsonl", Data);
        var catalog = DatasetCatalog.Default.With([CardReader.ReadFile(path)]);
        var plan = RunPlan.Create(catalog, ["trivia_gen"]);

        var model = new ScriptedLanguageModel(prompt => prompt.ToPlainText().Contains("Mars", StringComparison.Ordinal) ? "The answer is B" : "B");
        var result = await new EvaluationRunner(model, new RunSettings { WorkDir = _folder.Combine("out"), Timestamp = "run" })
            .RunAsync(plan, DataRootResolver.Standard(null).ResolveBenchmarkFolder, TestContext.Current.CancellationToken);

        Assert.Equal("trivia", result.Tasks[0].Task.Abbr);
        Assert.Equal(new SubsetScore(1, 1, 0, 0), result.Tasks[0].Score.Score);
        Assert.Equal("Question: Which planet is red?\nA. Venus\nB. Mars\nAnswer: ", File.ReadAllText(result.Layout.Predictions("scripted", "trivia")).Split('"')[5].Replace("\\n", "\n", StringComparison.Ordinal));
    }

    [Fact]
    public void SubsetNames_DefaultTheirTitleAndLocalName_AndGroupsAndHashesAreOptional()
    {
        var card = CardReader.Parse(Card, "trivia.card.json");

        Assert.Equal(new SubsetInfo("trivia", "trivia", "trivia", []), card.Subsets[0] with { Categories = [] });
        Assert.Empty(card.Groups);
        Assert.Empty(card.Sha256);
    }

    [Fact]
    public void FewShotCount_TakesTheFirstRows()
    {
        var card = CardReader.Parse(Card.Replace("\"splits\": { \"eval\": \"test\" }", "\"splits\": { \"eval\": \"test\", \"fewShot\": \"dev\" }").Replace("\"metric\": \"accuracy\"", "\"metric\": \"accuracy\", \"fewShotCount\": 3"), "trivia.card.json");

        Assert.Equal([0, 1, 2], card.Configs[0].FewShotIds);
    }

    [Theory]
    [InlineData("\"mode\": \"gen\"", "\"mode\": \"generate\"", "$.configs[0].mode (line 13): \"generate\" is not allowed; expected one of \"gen\", \"ppl\"")]
    [InlineData("\"abbr\": \"trivia\",", "\"abbr\": \"trivia\", \"shots\": 5,", "$.configs[0].shots (line 14): unknown property 'shots'; expected one of name, aliases, mode, abbr")]
    [InlineData("\"name\": \"trivia\",\n  \"title\"", "\"name\": \"Trivia!\",\n  \"title\"", "$.name (line 2): \"Trivia!\" does not match \"^[a-z0-9_]+$\"")]
    [InlineData("\"format\": \"jsonl\"", "\"format\": \"xlsx\"", "$.format (line 4): \"xlsx\" is not allowed; expected one of \"csv\", \"jsonl\"")]
    [InlineData("\"filePattern\": \"{subset}.jsonl\",", "", "$ (line 1): Required properties [\"filePattern\"] are not present")]
    [InlineData("\"template\": { \"human\": \"Question: {question}\\nA. {A}\\nB. {B}\", \"bot\": \"Answer: {answer}\" },", "", "$.configs[0] (line 11): none of the allowed forms fits: Required properties [\"template\"] are not present | Required properties [\"textTemplate\"] are not present")]
    [InlineData("{ \"name\": \"first_option\", \"options\": \"AB\" }", "\"last_letter\"", "$.configs[0].postprocessor (line 16): none of the allowed forms fits: ")]
    [InlineData("\"options\": \"AB\"", "\"options\": \"AB\", \"pattern\": \"x\"", "unknown property 'pattern'; expected one of name, options, cushion, answer_pattern")]
    public void ASchemaMistake_NamesTheFileThePathTheLineAndWhatWasExpected(string valid, string invalid, string expected)
    {
        Assert.Contains(valid, Card, StringComparison.Ordinal);

        var error = Assert.Throws<InvalidDataException>(() => CardReader.Parse(Card.Replace(valid, invalid, StringComparison.Ordinal), "evals/trivia.card.json"));

        Assert.StartsWith("evals/trivia.card.json: not a valid dataset card (card.schema.json):", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"mode\": \"gen\"", "\"mode\": \"ppl\"", "$.configs[0] (line 11): config 'trivia_gen' is ppl mode, which scores each label: expected \"labels\"")]
    [InlineData("\"metric\": \"accuracy\"", "\"metric\": \"accuracy\", \"fewShotIds\": [0, 1]", "$.configs[0] (line 11): config 'trivia_gen' takes few-shot rows, but the card names no few-shot split")]
    [InlineData("{ \"name\": \"first_option\", \"options\": \"AB\" }", "{ \"name\": \"option_sim\", \"options\": \"ab\" }", "$.configs[0].postprocessor (line 16): option_sim needs single upper-case option letters, got 'ab'")]
    [InlineData("{ \"name\": \"first_option\", \"options\": \"AB\" }", "\"match_answer_pattern:answer_pattern=no group\"", "$.configs[0].postprocessor (line 16): answer_pattern 'no group' has no group")]
    public void AMistakeTheSchemaCannotSee_IsNamedTheSameWay(string valid, string invalid, string expected)
    {
        Assert.Contains(valid, Card, StringComparison.Ordinal);

        var error = Assert.Throws<InvalidDataException>(() => CardReader.Parse(Card.Replace(valid, invalid, StringComparison.Ordinal), "evals/trivia.card.json"));

        Assert.StartsWith("evals/trivia.card.json: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NotJson_NamesTheLine()
    {
        var error = Assert.Throws<InvalidDataException>(() => CardReader.Parse("{\n  \"name\": \"x\",\n  oops\n}", "bad.card.json"));

        Assert.StartsWith("bad.card.json: line 3: not valid JSON", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ASecondCardWithATakenConfigName_IsRefusedNamingBothFiles()
    {
        var mine = CardReader.Parse(Card.Replace("\"trivia_gen\"", "\"ceval_gen\"", StringComparison.Ordinal), "evals/mine.card.json");

        var error = Assert.Throws<InvalidDataException>(() => DatasetCatalog.Default.With([mine]));

        Assert.Contains("evals/mine.card.json: a config name or alias is taken by 'ceval_gen_5f30c7' of built-in card ceval.card.json", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AMissingMappedColumn_NamesTheFileTheLineAndTheMapping()
    {
        var path = _folder.Write("evals/trivia.card.json", Card);
        _folder.Write("evals/data/trivia.jsonl", Data.Replace("\"label\": \"A\"", "\"gold\": \"A\"", StringComparison.Ordinal));
        var card = CardReader.ReadFile(path);

        var error = Assert.Throws<DatasetFormatException>(() => DatasetLoader.Load(card, card.Location!, "test", "trivia"));

        Assert.Contains("trivia.jsonl:2: no 'label' column, which the card's columns map to {answer}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ACsvCard_ReadsColumnsByItsHeader_SkippingAByteOrderMark()
    {
        var path = _folder.Write("qa.card.json", Card.Replace("\"jsonl\"", "\"csv\"", StringComparison.Ordinal).Replace("{subset}.jsonl", "{subset}.csv", StringComparison.Ordinal).Replace("\"dataDir\": \"data\",", string.Empty, StringComparison.Ordinal));
        _folder.Write("trivia.csv", "\uFEFFprompt,A,B,label\n\"Which planet is red?\",Venus,Mars,B\n");
        var card = CardReader.ReadFile(path);

        var rows = DatasetLoader.Load(card, card.Location!, "test", "trivia");

        Assert.Equal("Which planet is red?", rows[0].Question);
        Assert.Equal("B", rows[0].Answer);
        Assert.Equal("Mars", rows[0]["B"]);
    }

    [Fact]
    public void ACsvRowWithTheWrongNumberOfColumns_NamesItsLine()
    {
        var path = _folder.Write("qa.card.json", Card.Replace("\"jsonl\"", "\"csv\"", StringComparison.Ordinal).Replace("{subset}.jsonl", "{subset}.csv", StringComparison.Ordinal).Replace("\"dataDir\": \"data\",", string.Empty, StringComparison.Ordinal));
        _folder.Write("trivia.csv", "prompt,A,B,label\nq1,a,b,A\nq2,a,B\n");
        var card = CardReader.ReadFile(path);

        var error = Assert.Throws<DatasetFormatException>(() => DatasetLoader.Load(card, card.Location!, "test", "trivia"));

        Assert.Contains("trivia.csv:3: expected 4 columns (prompt,A,B,label), found 3", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryBuiltInCard_PassesTheSchemaItShipsWith()
    {
        // The catalog reads them without the schema step (DatasetCatalog.Default): this is where they meet it.
        Assert.All(CardFolders.CardFiles(CardFolders.BuiltIn, "the built-in cards"), path => CardReader.ReadFile(path));
        Assert.True(File.Exists(Path.Combine(CardFolders.BuiltIn, "card.schema.json")));
    }
}
