using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using EvalTests.Onnx.Loading;
using EvalTests.Prompts;
using EvalTests.Onnx.Prompting.Jinja;
using EvalTests.TestSupport;

namespace EvalTests.Onnx.Tests.ChatTemplates;

/// <summary>
/// Real chat templates rendered by EvalTests' Jinja engine against Hugging Face's Jinja (<c>@huggingface/jinja</c>, as
/// <c>tools/reference/chat-template-fixtures.mjs</c> recorded it) for every tokenizer_config.json in ../shared/models
/// that has a chat_template (Qwen3's).
/// </summary>
public sealed class ChatTemplateParityTests
{
    private static readonly string Fixtures = Path.Combine(AppContext.BaseDirectory, "ChatTemplates");

    public static TheoryData<string> Models() =>
        [.. Directory.EnumerateFiles(Fixtures, "*.expected.json").Select(path => Path.GetFileName(path)[..^".expected.json".Length]).Order(StringComparer.Ordinal)];

    [Theory]
    [MemberData(nameof(Models))]
    public void EveryConversation_RendersAsHuggingFaceJinja(string model)
    {
        var fixture = JsonNode.Parse(File.ReadAllText(Path.Combine(Fixtures, $"{model}.expected.json")))!;
        var source = JsonNode.Parse(File.ReadAllText(Path.Combine(SharedData.Model(model), "tokenizer_config.json")))!["chat_template"]!.GetValue<string>();
        Assert.Equal(fixture["templateSha256"]!.GetValue<string>(), Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(source))));
        var template = new JinjaTemplate(source);

        foreach (var c in fixture["cases"]!.AsArray())
        {
            var messages = c!["messages"]!.AsArray().Select(m => (object?)new Dictionary<string, object?>
            {
                ["role"] = m!["role"]!.GetValue<string>(),
                ["content"] = m["content"]!.GetValue<string>(),
            }).ToList();
            var rendered = template.Render(new Dictionary<string, object?>
            {
                ["messages"] = messages,
                ["add_generation_prompt"] = c["addGenerationPrompt"]!.GetValue<bool>(),
                ["bos_token"] = c["bosToken"]!.GetValue<string>(),
                ["eos_token"] = c["eosToken"]!.GetValue<string>(),
            });

            Assert.True(c["rendered"]!.GetValue<string>() == rendered, $"{c["name"]} (add_generation_prompt {c["addGenerationPrompt"]}):\nexpected {c["rendered"]!.ToJsonString()}\nactual   {JsonValue.Create(rendered).ToJsonString()}");
        }
    }

    [Fact]
    public async Task Qwen3AsAChatModel_RendersAFewShotPromptAsHuggingFace_AndScoresThePlainText()
    {
        var fixture = JsonNode.Parse(File.ReadAllText(Path.Combine(Fixtures, "qwen3tok-random.expected.json")))!;
        var expected = fixture["cases"]!.AsArray().Single(c => c!["name"]!.GetValue<string>() == "few-shot as OpenCompass sends it" && c["addGenerationPrompt"]!.GetValue<bool>())!;
        var turns = expected["messages"]!.AsArray().Select(m => new PromptTurn(m!["role"]!.GetValue<string>() == "user" ? TurnRole.Human : TurnRole.Bot, m["content"]!.GetValue<string>())).ToList();
        var prompt = new Prompt([.. turns, new PromptTurn(TurnRole.Bot, string.Empty)]);
        await using var model = OnnxLanguageModel.Load(new OnnxModelOptions { ModelFolder = SharedData.Model("qwen3tok-random"), Provider = ExecutionProviderPreference.Cpu, HfType = HfType.Chat });

        Assert.Equal(expected["rendered"]!.GetValue<string>(), model.Render(prompt, forGeneration: true));
        Assert.Equal(prompt.ToPlainText(), model.Render(prompt, forGeneration: false));
        Assert.EndsWith("+chat", model.Descriptor.Identity, StringComparison.Ordinal);
    }
}
