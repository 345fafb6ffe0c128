using System.Collections.Concurrent;
using EvalTests.Onnx.Loading;
using EvalTests.Onnx.Tokenization;
using EvalTests.Prompts;
using EvalTests.Onnx.Prompting.Jinja;

namespace EvalTests.Onnx.Prompting;

/// <summary>
/// How a prompt reaches the model and its output comes back, by hf-type: OpenCompass's <c>HuggingFaceBaseModel</c>
/// (plain text with the tokenizer's special tokens; output without them) or <c>HuggingFacewithChatTemplate</c>
/// (generation prompts through the chat template, no special tokens added; output with them, cut at the eos words).
/// </summary>
internal sealed class PromptCodec
{
    private readonly ITextTokenizer _tokenizer;
    private readonly JinjaTemplate? _chatTemplate;
    private readonly string _templateFile;
    private readonly ModelConfig _config;

    /// <summary>How many encodings are kept (a few MB): a subject's prompts, from counting them to scoring them.</summary>
    private const int RecentEncodings = 1024;

    private readonly ConcurrentDictionary<(string Text, bool AddSpecialTokens), int[]> _recent = new();

    private PromptCodec(ITextTokenizer tokenizer, JinjaTemplate? chatTemplate, string templateFile, ModelConfig config)
    {
        _tokenizer = tokenizer;
        _chatTemplate = chatTemplate;
        _templateFile = templateFile;
        _config = config;
        // As HuggingFacewithChatTemplate: the text of every generation_config eos id and the tokenizer's eos token.
        StopWords = chatTemplate is null ? [] : [.. config.EosTokenIds.Select(id => tokenizer.Decode([id])).Append(config.EosToken ?? string.Empty).Where(w => w.Length > 0).Distinct()];
    }

    /// <summary>The codec for a tokenizer: <paramref name="requested"/>, else chat when the tokenizer has a chat template.</summary>
    /// <exception cref="ModelLoadException">Chat was asked of a tokenizer without a template, or its template cannot be parsed.</exception>
    public static PromptCodec Create(ITextTokenizer tokenizer, ModelConfig config, string tokenizerFolder, HfType? requested)
    {
        var hfType = requested ?? (config.ChatTemplate is null ? HfType.Base : HfType.Chat);
        var templateFile = Path.Combine(tokenizerFolder, "tokenizer_config.json");
        if (hfType == HfType.Base)
        {
            return new PromptCodec(tokenizer, null, templateFile, config);
        }

        if (config.ChatTemplate is not { } template)
        {
            throw new ModelLoadException($"{templateFile}: no chat_template, so the model cannot be evaluated as a chat model (hf-type chat); evaluate it as a base model (--hf-type base).");
        }

        try
        {
            return new PromptCodec(tokenizer, new JinjaTemplate(template), templateFile, config);
        }
        catch (JinjaException ex)
        {
            throw new ModelLoadException($"{templateFile}: the chat_template cannot be used: {ex.Message}");
        }
    }

    public HfType HfType => _chatTemplate is null ? HfType.Base : HfType.Chat;

    /// <summary>A chat model's stop words (none for a base model).</summary>
    public IReadOnlyList<string> StopWords { get; }

    /// <summary>
    /// The text the model is given for a prompt. A chat model's generation prompt is its chat template applied to the
    /// turns as messages, without the last (empty) BOT turn and with the generation prompt; everything else — a base
    /// model, and scoring (ppl) of either kind, which OpenCompass does on <c>_convert_base_messages</c> — is
    /// OpenCompass's plain-text join.
    /// </summary>
    public string Render(Prompt prompt, bool forGeneration)
    {
        if (_chatTemplate is null || !forGeneration)
        {
            return prompt.ToPlainText();
        }

        var messages = prompt.ChatTurns.Select(t => new Dictionary<string, object?>
        {
            ["role"] = t.Role switch { TurnRole.System => "system", TurnRole.Human => "user", _ => "assistant" },
            ["content"] = t.Text,
        }).ToList();
        try
        {
            return _chatTemplate.Render(new Dictionary<string, object?>
            {
                ["messages"] = messages,
                ["add_generation_prompt"] = true,
                ["bos_token"] = _config.BosToken ?? string.Empty,
                ["eos_token"] = _config.EosToken ?? string.Empty,
            });
        }
        catch (JinjaException ex)
        {
            throw new InvalidOperationException($"{_templateFile}: the chat_template failed: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// The prompt's ids. A chat template writes its own special tokens, so the tokenizer adds none (add_special_tokens=False).
    /// The latest encodings are kept: a run counts every prompt's tokens before it asks, and scoring encodes each
    /// option's context once per option, so the same text would otherwise be tokenized several times.
    /// </summary>
    public IReadOnlyList<int> Encode(Prompt prompt, bool forGeneration)
    {
        var key = (Text: Render(prompt, forGeneration), AddSpecialTokens: _chatTemplate is null || !forGeneration);
        if (_recent.TryGetValue(key, out var ids))
        {
            return ids;
        }

        ids = [.. _tokenizer.Encode(key.Text, key.AddSpecialTokens)];
        if (_recent.Count >= RecentEncodings)
        {
            _recent.Clear();
        }

        _recent[key] = ids;
        return ids;
    }

    /// <summary>Generated ids as text: a base model's skips special tokens, a chat model's keeps them (its stop words then cut it).</summary>
    public string DecodeOutput(IEnumerable<int> ids) => _tokenizer.Decode(ids, skipSpecialTokens: _chatTemplate is null);
}
