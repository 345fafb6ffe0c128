using EvalTests.Runs.RunFolder;
using EvalTests.TestSupport;

namespace EvalTests.Core.Tests.Runs;

/// <summary>Predictions and judge outputs: typed records written in OpenCompass's key order and read back by every reader.</summary>
public sealed class PredictionFilesTests : IDisposable
{
    private readonly TempDirectory _work = new();

    public void Dispose() => _work.Dispose();

    private static readonly PredictionRecord PplPrediction = new("Q?\nAnswer:", "B", "B", null)
    {
        InContextExamples = "Shot\nAnswer: A\n",
        Labels =
        [
            new LabelPredictionRecord("A", "Q?\nAnswer: A", "Shot\nAnswer: A\nQ?\nAnswer: A", 2.5),
            new LabelPredictionRecord("B", "Q?\nAnswer: B", "Shot\nAnswer: A\nQ?\nAnswer: B", 1.25),
        ],
    };

    [Fact]
    public void APplPrediction_IsWrittenInOpenCompassKeyOrder_WithEachLabelUnderItsOwnKey()
    {
        var text = PredictionsFile.Serialize(new() { ["0"] = PplPrediction });

        Assert.Equal(
            """
            {
                "0": {
                    "in-context examples": "Shot\nAnswer: A\n",
                    "origin_prompt": "Q?\nAnswer:",
                    "label: A": {
                        "testing input": "Q?\nAnswer: A",
                        "prompt": "Shot\nAnswer: A\nQ?\nAnswer: A",
                        "PPL": 2.5
                    },
                    "label: B": {
                        "testing input": "Q?\nAnswer: B",
                        "prompt": "Shot\nAnswer: A\nQ?\nAnswer: B",
                        "PPL": 1.25
                    },
                    "prediction": "B",
                    "gold": "B"
                }
            }
            """.ReplaceLineEndings("\n"),
            text);
    }

    [Fact]
    public void AGenPrediction_HasNoPplKeys_AndAnErrorOnlyWhenTheModelFailed()
    {
        var text = PredictionsFile.Serialize(new() { ["0"] = new("问题", "答案", "A", null), ["1"] = new("问题", string.Empty, "B", "timeout") });

        Assert.Contains("\"0\": {\n        \"origin_prompt\": \"问题\",\n        \"prediction\": \"答案\",\n        \"gold\": \"A\"\n    },", text, StringComparison.Ordinal);
        Assert.Contains("\"gold\": \"B\",\n        \"error\": \"timeout\"", text, StringComparison.Ordinal);
        Assert.DoesNotContain("in-context examples", text, StringComparison.Ordinal);
    }

    [Fact]
    public void APredictionsFile_ReadsBackAsWritten()
    {
        var path = _work.Write("predictions/m/d.json", PredictionsFile.Serialize(new() { ["0"] = PplPrediction, ["1"] = PplPrediction with { Error = "failed", Prediction = string.Empty } }));

        var read = PredictionsFile.Read(path, "missing");

        Assert.Equal(PplPrediction.Labels, read["0"].Labels);
        Assert.Equal(("Q?\nAnswer:", "B", "B", "Shot\nAnswer: A\n"), (read["0"].OriginPrompt, read["0"].Prediction, read["0"].Gold, read["0"].InContextExamples));
        Assert.Equal("failed", read["1"].Error);
    }

    [Fact]
    public void APredictionWhosePplIsNotANumber_NamesTheFileLineAndLabel()
    {
        var path = _work.Write("predictions/m/d.json", "{\n  \"0\": {\n    \"label: A\": {\"PPL\": \"low\"}\n  }\n}");

        var error = Assert.Throws<InvalidDataException>(() => PredictionsFile.Read(path, "missing"));

        Assert.StartsWith($"{path}: not a JSON object keyed by question index (line 3, $.0)", error.Message, StringComparison.Ordinal);
        Assert.Contains("\"PPL\" of label A: expected a number or null.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AMissingPredictionsFile_SaysWhatToRun()
    {
        var path = Path.Combine(_work.Path, "predictions", "m", "absent.json");

        var error = Assert.Throws<InvalidDataException>(() => PredictionsFile.Read(path, "run --mode infer first."));

        Assert.Equal($"{path}: run --mode infer first.", error.Message);
    }

    [Fact]
    public void JudgeOutputs_KeepEachKindsFields_AndReadBackAsTheirKind()
    {
        var records = new Dictionary<string, JudgeOutputRecord>
        {
            ["0"] = new("judge this", "A", "42", new VerifierJudgementRecord(0, "A", "correct")),
            ["1"] = new("rate this", "no rating here", "ref", new RatingJudgementRecord(1, null, null, "unparsed")),
            ["2"] = new("rate this", "[[5]]", "ref", new RatingJudgementRecord(2, 5, new Dictionary<string, double> { ["总分"] = 5 }, "scored")),
            ["3_1"] = new("compare", "B", "ref", new PairwiseJudgementRecord(3, false, "A", 0, "wrong"), "rate limited"),
        };
        var path = _work.Write("results/m_judged-by--j/d.json", JudgeOutputsFile.Serialize(records));
        var text = File.ReadAllText(path);

        var read = JudgeOutputsFile.Read(path);

        Assert.Contains("\"evaltests\": {\n            \"sample\": 0,\n            \"verdict\": \"A\",\n            \"outcome\": \"correct\"\n        }", text, StringComparison.Ordinal);
        // A rating judge's unparsed reply keeps its empty score and rating, as the parsers leave them.
        Assert.Contains("\"sample\": 1,\n            \"score\": null,\n            \"rating\": null,\n            \"outcome\": \"unparsed\"", text, StringComparison.Ordinal);
        Assert.Contains("\"model_shown_first\": false,\n            \"preference\": \"A\",\n            \"model_points\": 0,", text, StringComparison.Ordinal);
        Assert.Equal(records.Keys, read.Keys);
        Assert.Equal(records["0"], read["0"]);
        Assert.Equal(records["3_1"], read["3_1"]);
        Assert.Equal(5, Assert.IsType<RatingJudgementRecord>(read["2"].Evaltests).Rating!["总分"]);
        Assert.Equal(["A", null, "{\"总分\":5}", null], read.Values.Select(r => r.Evaltests.Shown()));
    }
}
