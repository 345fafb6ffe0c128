using EvalTests.Xunit.ObjectModel;
using EvalTests.Xunit.Planning;

namespace EvalTests.Xunit.Tests;

/// <summary>What discovery makes of a plan: a case per subset, group and snapshot, and a failing case per plan error.</summary>
public sealed class PlanCasesTests
{
    [Fact]
    public void AnOpenAIEvalModel_WithoutAPath_IsNoPlanError()
    {
        var plan = new EvalPlanFile
        {
            Models = [new PlannedModel("gpt-4o-mini", string.Empty, "openai", null) { BaseUrl = "http://127.0.0.1:8000/v1" }],
            Datasets = [new PlannedDataset("ceval_gen", Limit: 1)],
        };

        var cases = PlanCases.Discover(plan).Select(c => c.Case).ToList();

        Assert.DoesNotContain(cases, c => c.Kind == EvalCaseKind.PlanError);
        Assert.Contains(cases, c => c.Kind == EvalCaseKind.Subset && c.Model == "gpt-4o-mini");
    }

    [Fact]
    public void AnOnnxEvalModel_WhosePathIsMissing_IsAFailingCaseNamingIt()
    {
        var plan = new EvalPlanFile
        {
            Models = [new PlannedModel("local", "/nowhere/model", "onnx", null)],
            Datasets = [new PlannedDataset("ceval_gen", Limit: 1)],
        };

        var error = Assert.Single(PlanCases.Discover(plan).Select(c => c.Case), c => c.Kind == EvalCaseKind.PlanError);

        Assert.Contains("<EvalModel Include=\"local\">: Path '/nowhere/model' does not exist.", error.Abbr, StringComparison.Ordinal);
    }

    [Fact]
    public void AnInvalidCardFile_IsOneFailingCase_NamingThePathLineAndExpectation()
    {
        using var folder = new TestSupport.TempDirectory();
        TestSupport.DocExamples.WriteTo("docs/datasets.md", folder.Path);
        var card = folder.Combine("evals", "trivia.card.json");
        File.WriteAllText(card, File.ReadAllText(card).Replace("\"mode\": \"gen\"", "\"mode\": \"generate\"", StringComparison.Ordinal));
        var plan = new EvalPlanFile
        {
            Models = [new PlannedModel("local", "/nowhere/model", "onnx", null)],
            Datasets = [new PlannedDataset("trivia_gen", Limit: null) { Card = card }],
        };

        var error = Assert.Single(PlanCases.Discover(plan).Select(c => c.Case));

        Assert.Equal(EvalCaseKind.PlanError, error.Kind);
        Assert.Contains("$.configs[0].mode (line 14): \"generate\" is not allowed; expected one of \"gen\", \"ppl\"", error.Abbr, StringComparison.Ordinal);
    }
}
