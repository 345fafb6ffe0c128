using System.Text.Json.Nodes;
using EvalTests.Models;
using EvalTests.Onnx.Loading;
using EvalTests.Prompts;
using EvalTests.TestSupport;

namespace EvalTests.Onnx.Tests;

/// <summary>stories260K with a Llama-2-style chat template added to its tokenizer_config.json (none of the shared models ships one).</summary>
public sealed class ChatTemplateTests : IDisposable
{
    private const string LlamaStyleTemplate =
        "{{ bos_token }}{% for message in messages %}{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] | trim + ' [/INST]' }}{% else %}{{ ' ' + message['content'] | trim + ' ' + eos_token }}{% endif %}{% endfor %}";

    private readonly TempDirectory _folder = new();

    public ChatTemplateTests()
    {
        var source = SharedData.Model("stories260K");
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories).Where(f => !f.Contains("llama2c", StringComparison.Ordinal)))
        {
            var target = _folder.Combine(Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }

        var config = JsonNode.Parse(File.ReadAllText(_folder.Combine("tokenizer_config.json")))!;
        config["chat_template"] = LlamaStyleTemplate;
        File.WriteAllText(_folder.Combine("tokenizer_config.json"), config.ToJsonString());
    }

    public void Dispose() => _folder.Dispose();

    private OnnxLanguageModel Load() => OnnxLanguageModel.Load(new OnnxModelOptions { ModelFolder = _folder.Path, Provider = ExecutionProviderPreference.Cpu });

    private static Prompt OneShot => new(
    [
        new(TurnRole.Human, "Who is Lily?"),
        new(TurnRole.Bot, "A girl."),
        new(TurnRole.Human, "Who is Tom?"),
        new(TurnRole.Bot, string.Empty),
    ]);

    [Fact]
    public async Task Generation_RendersTurnsThroughTheTemplate_WithoutTheEmptyAnswerTurn()
    {
        await using var model = Load();

        Assert.True(model.UsesChatTemplate);
        Assert.Equal("<s>[INST] Who is Lily? [/INST] A girl. </s>[INST] Who is Tom? [/INST]", model.Render(OneShot, forGeneration: true));
    }

    [Fact]
    public async Task SpecialTokensInTheRenderedText_EncodeAsOneIdEach_AndBosIsNotAddedTwice()
    {
        await using var model = Load();
        var plainTokens = model.Encode("[INST] Who is Tom? [/INST]");

        var count = model.CountTokens(new Prompt([new(TurnRole.Human, "Who is Tom?"), new(TurnRole.Bot, string.Empty)]));

        // "<s>" + the same text without the tokenizer's own BOS: exactly as many tokens as the plain encoding with BOS.
        Assert.Equal(plainTokens.Count, count);
    }

    [Fact]
    public async Task GenerationAndScoring_RunThroughTheTemplate()
    {
        await using var model = Load();
        var ct = TestContext.Current.CancellationToken;

        var generated = await model.GenerateAsync([new GenerationRequest(OneShot, new GenerationSettings(5, []))], ct);
        var scored = await model.LogLikelihoodAsync([new LogLikelihoodRequest(new Prompt([new(TurnRole.Human, "Who is Tom?"), new(TurnRole.Bot, "A boy.")]))], ct);

        Assert.Equal(5, generated[0].OutputTokens);
        Assert.Null(scored[0].Error);
        Assert.InRange(scored[0].ContinuationTokens, 1, scored[0].TokenLogProbs.Count);
    }

    [Fact]
    public void BrokenTemplate_NamesTheFileAtFault()
    {
        var config = JsonNode.Parse(File.ReadAllText(_folder.Combine("tokenizer_config.json")))!;
        config["chat_template"] = "{% for m in messages %}never closed";
        File.WriteAllText(_folder.Combine("tokenizer_config.json"), config.ToJsonString());

        var error = Assert.Throws<ModelLoadException>(Load);

        Assert.Contains("tokenizer_config.json: the chat_template cannot be used: line 1: missing '{% endfor %}'", error.Message, StringComparison.Ordinal);
    }
}
