using System.Text;
using EvalTests.Datasets;
using EvalTests.TestSupport;

namespace EvalTests.Core.Tests.Datasets;

public sealed class MultipleChoiceLoaderTests
{
    private const string Header = "id,question,A,B,C,D,answer\r\n";

    private static IReadOnlyList<MultipleChoiceSample> Parse(string text, string format = "ceval-csv") =>
        MultipleChoiceLoader.Parse(Encoding.UTF8.GetBytes(text), "subject_val.csv", format);

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
        var error = Assert.Throws<DatasetFormatException>(() => Parse(",Question,A,B,C,D,Answer\n0,q,a,b,c,d,E\n", "cmmlu-csv"));

        Assert.Equal("subject_val.csv:2: the answer 'E' is not one of the options A, B, C, D", error.Message);
    }

    [Fact]
    public void InvalidUtf8_NamesTheLine()
    {
        var bytes = Encoding.UTF8.GetBytes(Header + "0,q,a,b,c,d,A\r\n1,").Concat(new byte[] { 0xC3, 0x28 }).Concat(Encoding.UTF8.GetBytes(",a,b,c,d,A\r\n")).ToArray();

        var error = Assert.Throws<DatasetFormatException>(() => MultipleChoiceLoader.Parse(bytes, "bad.csv", "ceval-csv"));

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
    public void RealData_LoadsEveryCevalAndCmmluFileWithTheDocumentedCounts()
    {
        var counts = new Dictionary<string, int>();
        foreach (var card in DatasetCatalog.Default.Cards)
        {
            var folder = Path.Combine(SharedData.Datasets, card.Name);
            foreach (var split in new[] { card.Splits.Eval, card.Splits.FewShot })
            {
                counts[$"{card.Name}/{split}"] = card.Subsets.Sum(s => MultipleChoiceLoader.Load(card, folder, split, s.Name).Count);
            }
        }

        Assert.Equal(new Dictionary<string, int> { ["ceval/val"] = 1346, ["ceval/dev"] = 260, ["cmmlu/test"] = 11582, ["cmmlu/dev"] = 335 }, counts);
    }
}
