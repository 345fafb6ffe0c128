using EvalTests.Datasets;
using EvalTests.Models;
using EvalTests.Onnx;
using EvalTests.Prompts;
using EvalTests.Runs;
using EvalTests.TestSupport;
using Microsoft.Extensions.AI;

namespace EvalTests.Extensions.AI.Tests;

/// <summary>Any IChatClient can be evaluated in gen mode, and any backend (the ONNX one included) is an IChatClient.</summary>
public sealed class ChatClientAdapterTests : IDisposable
{
    private readonly TempDirectory _work = new();

    public void Dispose() => _work.Dispose();

    private static string Locate(DatasetCard card) => Path.Combine(SharedData.Datasets, card.Name);

    [Fact]
    public async Task The_ONNX_model_as_an_IChatClient_answers_as_the_model_itself()
    {
        await using var model = OnnxLanguageModel.Load(new OnnxModelOptions { ModelFolder = SharedData.Model("stories260K") });
        var direct = (await model.GenerateAsync([new GenerationRequest(Prompt.FromChat([new PromptTurn(TurnRole.Human, "Once upon a time")]), new GenerationSettings(20, []))], TestContext.Current.CancellationToken))[0];
        using var chat = model.AsChatClient();

        var response = await chat.GetResponseAsync([new ChatMessage(ChatRole.User, "Once upon a time")], new ChatOptions { MaxOutputTokens = 20 }, TestContext.Current.CancellationToken);

        Assert.Equal(direct.Text, response.Text);
        Assert.Equal(ChatFinishReason.Length, response.FinishReason);
        Assert.Equal("stories260K", chat.GetService<ChatClientMetadata>()!.DefaultModelId);
    }

    [Fact]
    public async Task An_IChatClient_evaluated_in_gen_mode_scores_as_the_model_behind_it()
    {
        var scripted = new ScriptedLanguageModel(prompt => prompt.ChatTurns[^1].Text.Contains("TCP", StringComparison.Ordinal) ? "C" : "A", abbr: "behind");
        var plan = RunPlan.Create(DatasetCatalog.Default, ["ceval_gen"], ["computer_network"]);
        var settings = new RunSettings { WorkDir = _work.Path };
        var expected = await new EvaluationRunner(scripted, settings with { Timestamp = "direct" }).RunAsync(plan, Locate, TestContext.Current.CancellationToken);
        using var chat = scripted.AsChatClient();
        await using var adapted = chat.AsLanguageModel(abbr: "behind");

        var actual = await new EvaluationRunner(adapted, settings with { Timestamp = "adapted" }).RunAsync(plan, Locate, TestContext.Current.CancellationToken);

        Assert.Equal(expected.Summary.ToText(), actual.Summary.ToText());
        Assert.Equal(File.ReadAllText(expected.Layout.Predictions("behind", "ceval-computer_network")), File.ReadAllText(actual.Layout.Predictions("behind", "ceval-computer_network")));
    }

    [Fact]
    public async Task PplMode_IsRefusedForAnIChatClientWithTheReason()
    {
        using var chat = new ScriptedLanguageModel(_ => "A").AsChatClient();
        await using var adapted = chat.AsLanguageModel();
        var plan = RunPlan.Create(DatasetCatalog.Default, ["ceval_ppl"], ["computer_network"]);

        var refusal = await Assert.ThrowsAsync<NotSupportedException>(() => new EvaluationRunner(adapted, new RunSettings { WorkDir = _work.Path }).RunAsync(plan, Locate, TestContext.Current.CancellationToken));

        Assert.Contains("cannot serve ppl mode", refusal.Message, StringComparison.Ordinal);
        Assert.Contains("an IChatClient serves chat only", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AFailingIChatClientRequest_BecomesAnErroredSampleNotACrash()
    {
        var failing = new ScriptedLanguageModel(_ => "A") { Fails = prompt => prompt.ChatTurns[^1].Text.Contains("TCP", StringComparison.Ordinal) };
        using var chat = failing.AsChatClient();
        await using var adapted = chat.AsLanguageModel(abbr: "flaky");
        var plan = RunPlan.Create(DatasetCatalog.Default, ["ceval_gen"], ["computer_network"]);

        var result = await new EvaluationRunner(adapted, new RunSettings { WorkDir = _work.Path }).RunAsync(plan, Locate, TestContext.Current.CancellationToken);

        var errored = result.Tasks.Single().Samples.Where(s => s.Outcome == Scoring.SampleOutcome.Errored).ToList();
        Assert.NotEmpty(errored);
        Assert.All(errored, s => Assert.Contains("500 Internal Server Error", s.Error, StringComparison.Ordinal));
        Assert.Equal(19 - errored.Count, result.Tasks.Single().Samples.Count(s => s.Outcome != Scoring.SampleOutcome.Errored));
    }
}
