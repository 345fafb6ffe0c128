using System.Text;
using EvalTests.Datasets;
using EvalTests.TestSupport;

namespace EvalTests.Core.Tests.Datasets;

public sealed class DatasetLoaderTests
{
    private const string Header = "id,question,A,B,C,D,answer\r\n";

    private static IReadOnlyList<DatasetSample> Parse(string text, DataFormat format = DataFormat.CevalCsv) =>
        DatasetLoader.Parse(Encoding.UTF8.GetBytes(text), "subject_val.csv", format);

    [Fact]
    public void QuotedCells_KeepCommasAndTurnEmbeddedCrLfIntoNewlines()
    {
        var samples = Parse(Header + "0,\"第一行\r\n第二行, 含逗号\",a,b,\"c \"\"q\"\"\",d,C\r\n");

        Assert.Equal("第一行\n第二行, 含逗号", samples[0].Question);
        Assert.Equal("c \"q\"", samples[0]["C"]);
        Assert.Equal(string.Empty, samples[0]["explanation"]);
    }

    [Fact]
    public void WrongColumnCount_NamesFileLineAndExpectedColumns()
    {
        var error = Assert.Throws<DatasetFormatException>(() => Parse(Header + "0,q,a,b,c,d,A\r\n1,\"multi\r\nline\",a,b,c,d,B\r\n2,q,a,b,c,A\r\n"));

        Assert.Equal("subject_val.csv:5: expected 7 columns (id,question,A,B,C,D,answer), found 6", error.Message);
    }

    [Fact]
    public void EmptyQuestion_IsRejected()
    {
        var error = Assert.Throws<DatasetFormatException>(() => Parse(Header + "0,  ,a,b,c,d,A\r\n"));

        Assert.Equal("subject_val.csv:2: the question is empty", error.Message);
    }

    [Fact]
    public void AnswerOutsideTheOptions_IsRejected()
    {
        var error = Assert.Throws<DatasetFormatException>(() => Parse(",Question,A,B,C,D,Answer\n0,q,a,b,c,d,E\n", DataFormat.CmmluCsv));

        Assert.Equal("subject_val.csv:2: the answer 'E' is not one of the options A, B, C, D", error.Message);
    }

    [Fact]
    public void InvalidUtf8_NamesTheLine()
    {
        var bytes = Encoding.UTF8.GetBytes(Header + "0,q,a,b,c,d,A\r\n1,").Concat(new byte[] { 0xC3, 0x28 }).Concat(Encoding.UTF8.GetBytes(",a,b,c,d,A\r\n")).ToArray();

        var error = Assert.Throws<DatasetFormatException>(() => DatasetLoader.Parse(bytes, "bad.csv", DataFormat.CevalCsv));

        Assert.StartsWith("bad.csv:3: invalid UTF-8", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnclosedQuote_IsReportedAtTheRecordThatOpensIt()
    {
        var error = Assert.Throws<DatasetFormatException>(() => Parse(Header + "0,\"never closed,a,b,c,d,A\r\n"));

        Assert.Equal(2, error.LineNumber);
    }

    [Fact]
    public void MissingColumnInHeader_IsRejected()
    {
        var error = Assert.Throws<DatasetFormatException>(() => Parse("id,question,A,B,C,answer\r\n0,q,a,b,c,A\r\n"));

        Assert.Contains(":1: the header has no 'D' column", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void HeaderOnly_IsAnEmptySubset()
    {
        var error = Assert.Throws<DatasetFormatException>(() => Parse(Header));

        Assert.Contains("no questions", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RealData_LoadsEveryFileOfEveryCardWithTheDocumentedCounts()
    {
        var counts = new Dictionary<string, int>();
        foreach (var card in DatasetCatalog.Default.Cards)
        {
            var folder = Path.Combine(SharedData.Datasets, card.Name);
            foreach (var split in new[] { card.Splits.Eval, card.Splits.FewShot }.OfType<string>())
            {
                counts[$"{card.Name}/{split}"] = card.Subsets.Sum(s => DatasetLoader.Load(card, folder, split, s.Name).Count);
            }
        }

        Assert.Equal(new Dictionary<string, int> { ["alignbench/test"] = 683, ["ceval/val"] = 1346, ["ceval/dev"] = 260, ["cmmlu/test"] = 11582, ["cmmlu/dev"] = 335, ["gsm8k/test"] = 1319 }, counts);
    }

    [Fact]
    public void Gsm8kRows_KeepTheWorkedAnswer_AndTheGoldIsTheNumberAfterTheMarkerWithoutCommas()
    {
        var samples = DatasetLoader.Parse(Encoding.UTF8.GetBytes("{\"question\": \"How many?\", \"answer\": \"3 * 400 = <<3*400=1200>>1200\\n#### 1,200\"}\n\n"), "test.jsonl", DataFormat.Gsm8kJsonl);

        Assert.Single(samples);
        Assert.Equal("How many?", samples[0].Question);
        Assert.EndsWith("#### 1,200", samples[0].Answer, StringComparison.Ordinal);
        Assert.Equal("1200", EvalTests.Scoring.AnswerPostprocessors.Get("gsm8k_dataset").Extract(samples[0].Answer));
    }

    [Theory]
    [InlineData("{\"question\": \"q\", \"answer\": \"a\\n#### 1\"}\n{\"question\": \"q\"", "test.jsonl:2: not a JSON object")]
    [InlineData("{\"question\": \"q\", \"answer\": \"a\\n#### 1\"}\n{\"question\": \"q\", \"answer\": null}", "test.jsonl:2: the field 'answer' is missing or not a string")]
    [InlineData("{\"question\": \"q\", \"answer\": \"no marker\"}", "test.jsonl:1: the answer has no final '#### <number>' line")]
    [InlineData("[1, 2]", "test.jsonl:1: expected a JSON object")]
    public void BrokenGsm8kRows_NameTheFileLineAndWhatWasExpected(string text, string message)
    {
        var error = Assert.Throws<DatasetFormatException>(() => DatasetLoader.Parse(Encoding.UTF8.GetBytes(text), "test.jsonl", DataFormat.Gsm8kJsonl));

        Assert.StartsWith(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AlignBenchRows_GetTheJudgeInstructionOfTheirSubcategory_ExactlyAsOpenCompassBuildsIt()
    {
        var card = DatasetCatalog.Default.Resolve("alignbench").Card;
        var samples = DatasetLoader.Load(card, Path.Combine(SharedData.Datasets, "alignbench"), card.Splits.Eval, card.Subsets[0].Name);

        var first = samples[0];
        Assert.Equal("专业能力", first["capability"]);
        Assert.Equal("音乐", first["subcategory"]);
        // 音乐 is a 事实与解释型回答 question: four dimensions, numbered, each with its definition, then the scoring rules.
        Assert.StartsWith("你是一个擅长评价文本质量的助手。\n请你以公正的评判者的身份，评估一个AI助手对于用户提问的回答的质量。由于您评估的回答类型是专业能力，因此你需要从下面的几个维度对回答进行评估:\n"
            + "1. 事实正确性: 回答中提供的信息是否准确无误，是否基于可信的事实和数据。\n2. 满足用户需求: ", first["critiquellm_prefix"], StringComparison.Ordinal);
        Assert.Contains("4. 完备性: ", first["critiquellm_prefix"], StringComparison.Ordinal);
        Assert.Contains("{'维度一': 打分, '维度二': 打分, ..., '综合得分': 打分}，例如：{'事实正确性': 9, '满足用户需求': 6, ..., '综合得分': 7}。\n", first["critiquellm_prefix"], StringComparison.Ordinal);
        Assert.EndsWith("用户的提问： " + first.Question + "\n[参考答案开始]\n" + first["reference"] + "\n[参考答案结束]\n", first["critiquellm_prefix"], StringComparison.Ordinal);
    }

    [Fact]
    public void AnAlignBenchRowOfAnUnknownSubcategory_NamesItsLineAndTheConfigFiles()
    {
        using var folder = new TempDirectory();
        foreach (var file in new[] { "config/dimension_set.json", "config/dimension_definition.json", "config/subcategory_question_mapping.json" })
        {
            folder.Write(file, File.ReadAllText(Path.Combine(SharedData.Datasets, "alignbench", file)));
        }

        folder.Write("data/data_v1.1_release.jsonl", "{\"question_id\": 1, \"category\": \"专业能力\", \"subcategory\": \"音乐\", \"question\": \"q\", \"reference\": \"r\"}\n"
            + "{\"question_id\": 2, \"category\": \"专业能力\", \"subcategory\": \"炼金术\", \"question\": \"q\", \"reference\": \"r\"}\n");
        var card = DatasetCatalog.Default.Resolve("alignbench").Card;

        var error = Assert.Throws<DatasetFormatException>(() => DatasetLoader.Load(card, folder.Path, card.Splits.Eval, card.Subsets[0].Name));

        Assert.Contains("data_v1.1_release.jsonl:2: the subcategory '炼金术' has no question type", error.Message, StringComparison.Ordinal);
    }
}
