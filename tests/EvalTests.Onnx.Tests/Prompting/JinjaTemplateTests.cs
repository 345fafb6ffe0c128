using EvalTests.Onnx.Prompting.Jinja;

namespace EvalTests.Onnx.Tests.Prompting;

public sealed class JinjaTemplateTests
{
    private static Dictionary<string, object?> Message(string role, string content) => new() { ["role"] = role, ["content"] = content };

    private const string Mistral =
        "{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token + ' ' }}{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% endfor %}";

    private const string Zephyr =
        "{% for message in messages %}\n{% if message['role'] == 'user' %}\n{{ '<|user|>\n' + message['content'] + eos_token }}\n{% elif message['role'] == 'system' %}\n{{ '<|system|>\n' + message['content'] + eos_token }}\n{% elif message['role'] == 'assistant' %}\n{{ '<|assistant|>\n'  + message['content'] + eos_token }}\n{% endif %}\n{% if loop.last and add_generation_prompt %}\n{{ '<|assistant|>' }}\n{% endif %}\n{% endfor %}";

    private const string ChatMl =
        "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n' }}{% endif %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}";

    [Fact]
    public void MistralTemplate_MatchesTheHuggingFaceJinjaExample()
    {
        var text = new JinjaTemplate(Mistral).Render(new Dictionary<string, object?>
        {
            ["messages"] = new[]
            {
                Message("user", "Hello, how are you?"),
                Message("assistant", "I'm doing great. How can I help you today?"),
                Message("user", "I'd like to show off how chat templating works!"),
            },
            ["bos_token"] = "<s>",
            ["eos_token"] = "</s>",
        });

        Assert.Equal("<s>[INST] Hello, how are you? [/INST]I'm doing great. How can I help you today?</s> [INST] I'd like to show off how chat templating works! [/INST]", text);
    }

    [Fact]
    public void UnsupportedTag_IsRefusedAtParse_NamingItsLine()
    {
        var error = Assert.Throws<JinjaException>(() => new JinjaTemplate("{% for m in messages %}\n{{ m.content }}\n{% macro x() %}{% endmacro %}\n{% endfor %}"));

        Assert.Equal(3, error.Line);
        Assert.StartsWith("line 3: unsupported tag '{% macro x() %}'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnsupportedFilter_FailsTheRender_NamingItsLine()
    {
        var template = new JinjaTemplate("{% for m in messages %}\n{{ m.content | wordwrap(5) }}\n{% endfor %}");

        var error = Assert.Throws<JinjaException>(() => template.Render(new Dictionary<string, object?> { ["messages"] = new[] { Message("user", "hi") } }));

        Assert.Equal("line 2: unsupported filter 'wordwrap'", error.Message);
    }

    [Fact]
    public void MistralTemplate_RaisesOnNonAlternatingRoles()
    {
        var template = new JinjaTemplate(Mistral);

        var error = Assert.Throws<JinjaException>(() => template.Render(new Dictionary<string, object?>
        {
            ["messages"] = new[] { Message("assistant", "first") },
            ["bos_token"] = "<s>",
            ["eos_token"] = "</s>",
        }));

        Assert.Contains("Conversation roles must alternate", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ZephyrTemplate_TrimsBlockNewlines_AsApplyChatTemplateDoes()
    {
        var text = new JinjaTemplate(Zephyr).Render(new Dictionary<string, object?>
        {
            ["messages"] = new[]
            {
                Message("system", "You are a friendly chatbot who always responds in the style of a pirate"),
                Message("user", "How many helicopters can a human eat in one sitting?"),
            },
            ["eos_token"] = "</s>",
            ["add_generation_prompt"] = true,
        });

        Assert.Equal("<|system|>\nYou are a friendly chatbot who always responds in the style of a pirate</s>\n<|user|>\nHow many helicopters can a human eat in one sitting?</s>\n<|assistant|>\n", text);
    }

    [Fact]
    public void ChatMlTemplate_AddsTheDefaultSystemTurnAndGenerationPrompt()
    {
        var text = new JinjaTemplate(ChatMl).Render(new Dictionary<string, object?>
        {
            ["messages"] = new[] { Message("user", "以下是中国关于计算机网络考试的单项选择题") },
            ["add_generation_prompt"] = true,
        });

        Assert.Equal("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n以下是中国关于计算机网络考试的单项选择题<|im_end|>\n<|im_start|>assistant\n", text);
    }

    [Theory]
    [InlineData("{% set ns = namespace(found=false) %}{% for x in xs %}{% if x == 2 %}{% set ns.found = true %}{% endif %}{% endfor %}{{ ns.found }}", "True")]
    [InlineData("{% for x in xs %}{{ loop.index }}/{{ loop.length }}{{ ',' if not loop.last }}{% endfor %}", "1/3,2/3,3/3")]
    [InlineData("{{ xs[1:] }} {{ xs[-1] }} {{ xs | length }} {{ xs | join('-') }}", "[2, 3] 3 3 1-2-3")]
    [InlineData("{{ '  hi  '.strip() }}|{{ 'abc'.startswith('ab') }}|{{ 'a,b'.split(',') }}|{{ ' x ' | trim }}", "hi|True|['a', 'b']|x")]
    [InlineData("{{ {'a': 1, 'b': [true, none]} | tojson }}", "{\"a\": 1, \"b\": [true, null]}")]
    [InlineData("{{ missing is defined }} {{ missing | default('d') }} {{ xs is not none }}", "False d True")]
    [InlineData("{% for x in xs if x > 1 %}{{ x }}{% else %}none{% endfor %}", "23")]
    [InlineData("{%- if true -%}\n  yes  \n{%- endif -%}", "yes")]
    [InlineData("{{ 7 // 2 }} {{ 7 % 3 }} {{ 'ab' ~ 1 }} {{ 1 if xs else 0 }}", "3 1 ab1 1")]
    public void Features_UsedByChatTemplates_BehaveAsInJinja(string source, string expected)
    {
        Assert.Equal(expected, new JinjaTemplate(source).Render(new Dictionary<string, object?> { ["xs"] = new List<object?> { 1L, 2L, 3L } }));
    }

    [Fact]
    public void UnsupportedSyntax_IsAClearError()
    {
        var error = Assert.Throws<JinjaException>(() => new JinjaTemplate("{% macro m() %}x{% endmacro %}"));

        Assert.Contains("unsupported tag '{% macro m() %}'", error.Message, StringComparison.Ordinal);
    }
}
