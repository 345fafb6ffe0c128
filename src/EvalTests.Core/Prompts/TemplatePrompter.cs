using System.Text.RegularExpressions;
using EvalTests.Datasets;

namespace EvalTests.Prompts;

/// <summary>The prompt for one question and how many in-context examples survived the length limit.</summary>
/// <param name="Prompt">The turns.</param>
/// <param name="Shots">The number of in-context examples kept.</param>
public sealed record RenderedPrompt(Prompt Prompt, int Shots);

/// <summary>One option's prompt in ppl mode.</summary>
/// <param name="Label">The option letter.</param>
/// <param name="Prompt">The full prompt whose last turn is that option's answer.</param>
/// <param name="Shots">The number of in-context examples kept.</param>
public sealed record LabelPrompt(string Label, Prompt Prompt, int Shots);

/// <summary>Counts the tokens a prompt costs on a model, for OpenCompass's rule of dropping in-context examples that do not fit.</summary>
public interface ITokenCounter
{
    /// <summary>The number of tokens the model sees for the prompt, special tokens included.</summary>
    int CountTokens(Prompt prompt);
}

/// <summary>
/// Renders prompts exactly as OpenCompass's <c>FixKRetriever</c>/<c>ZeroRetriever</c> configs do. A meta (turn) template
/// gives the template's own example rounds, then the in-context examples (few-shot rows with their answers) as HUMAN/BOT
/// turns, then the question with an empty BOT turn (gen) or one prompt per option with that option as the BOT turn (ppl).
/// A string template (<see cref="TextTemplate"/>) gives one text: the prompt template with the examples in place of
/// <c>&lt;/E&gt;</c>.
/// </summary>
public sealed partial class TemplatePrompter
{
    private readonly DatasetConfig _config;
    private readonly List<DatasetSample> _shots;
    private readonly string _human;
    private readonly TextTemplate? _text;

    /// <summary>Creates a prompter for one subset.</summary>
    /// <param name="config">The evaluation config (template, few-shot ids, labels).</param>
    /// <param name="subset">The subset, whose local name fills <c>{subject_local}</c>.</param>
    /// <param name="fewShotPool">The rows of the few-shot split.</param>
    public TemplatePrompter(DatasetConfig config, SubsetInfo subset, IReadOnlyList<DatasetSample> fewShotPool)
    {
        _config = config;
        _human = config.Template?.Human.Replace("{subject_local}", subset.LocalName, StringComparison.Ordinal) ?? string.Empty;
        _text = config.TextTemplate is { } text
            ? new TextTemplate(text.Ice.Replace("{subject_local}", subset.LocalName, StringComparison.Ordinal), text.Prompt.Replace("{subject_local}", subset.LocalName, StringComparison.Ordinal))
            : null;
        _shots = config.FewShotIds.Select(id => id < fewShotPool.Count
                ? fewShotPool[id]
                : throw new InvalidDataException($"config '{config.Name}' asks for few-shot row {id}, but subset '{subset.Name}' has {fewShotPool.Count} rows"))
            .ToList();
    }

    /// <summary>The gen-mode prompt of a question, dropping trailing in-context examples while it exceeds <paramref name="maxSeqLen"/> tokens.</summary>
    public RenderedPrompt BuildGeneration(DatasetSample sample, ITokenCounter? counter = null, int? maxSeqLen = null)
    {
        var shots = _shots.Count;
        var prompt = Render(sample, shots, label: null, answerOverride: string.Empty);
        if (counter is not null && maxSeqLen is { } limit)
        {
            while (shots > 0 && counter.CountTokens(prompt) > limit)
            {
                shots--;
                prompt = Render(sample, shots, label: null, answerOverride: string.Empty);
            }
        }

        return new RenderedPrompt(prompt, shots);
    }

    /// <summary>
    /// The ppl-mode prompts of a question, one per label. As in OpenCompass's <c>PPLInferencer</c>, examples dropped
    /// while fitting one label stay dropped for the labels after it.
    /// </summary>
    public IReadOnlyList<LabelPrompt> BuildPerplexity(DatasetSample sample, ITokenCounter? counter = null, int? maxSeqLen = null)
    {
        var shots = _shots.Count;
        var prompts = new List<LabelPrompt>(_config.Labels.Count);
        foreach (var label in _config.Labels)
        {
            var prompt = Render(sample, shots, label, answerOverride: null);
            if (counter is not null && maxSeqLen is { } limit)
            {
                while (shots > 0 && counter.CountTokens(prompt) > limit)
                {
                    shots--;
                    prompt = Render(sample, shots, label, answerOverride: null);
                }
            }

            prompts.Add(new LabelPrompt(label, prompt, shots));
        }

        return prompts;
    }

    /// <summary>The in-context examples as one text, as OpenCompass records them under <c>in-context examples</c>.</summary>
    public string RenderExamples(int shots) => _text is not null ? TextExamples(shots) : new Prompt(ExampleTurns(shots)).ToPlainText();

    private string LabelTemplate(string label) => _config.Template!.Bot.Replace("{label}", label, StringComparison.Ordinal);

    /// <summary>
    /// OpenCompass's <c>generate_ice</c> for a string template: each example rendered with its gold label, joined by
    /// <c>ice_separator</c> and ended by <c>ice_eos_token</c> (both a newline) — so no examples at all still give "\n".
    /// </summary>
    private string TextExamples(int shots) =>
        string.Join("\n", _shots.Take(shots).Select(shot => Format(_text!.Ice.Replace("{label}", shot.Answer, StringComparison.Ordinal), shot.Fields, null))) + "\n";

    private List<PromptTurn> ExampleTurns(int shots)
    {
        var turns = new List<PromptTurn>((_config.FixedShots.Count + shots) * 2 + 2);
        // Examples written into the template are part of it: never dropped, and filled with the question's columns.
        foreach (var fixedShot in _config.FixedShots)
        {
            turns.Add(new PromptTurn(TurnRole.Human, fixedShot.Human));
            turns.Add(new PromptTurn(TurnRole.Bot, fixedShot.Bot));
        }

        foreach (var shot in _shots.Take(shots))
        {
            var bot = _config.Mode == EvalMode.Ppl ? LabelTemplate(shot.Answer) : _config.Template!.Bot;
            turns.Add(new PromptTurn(TurnRole.Human, Format(_human, shot.Fields, null)));
            turns.Add(new PromptTurn(TurnRole.Bot, Format(bot, shot.Fields, null)));
        }

        return turns;
    }

    /// <summary>The prompt of a question: with <paramref name="label"/> as the answer (ppl), or with the answer slot empty (gen, null).</summary>
    private Prompt Render(DatasetSample sample, int shots, string? label, string? answerOverride)
    {
        // CUSTOM: OpenCompass inserts the rendered examples first and then formats the whole prompt with the
        // question's columns, so a placeholder that appears inside an example's text is filled in again.
        if (_text is not null)
        {
            var text = _text.Prompt.Replace("{label}", label ?? string.Empty, StringComparison.Ordinal).Replace(TextTemplate.IceToken, TextExamples(shots), StringComparison.Ordinal);
            return new Prompt([new PromptTurn(TurnRole.Human, Format(text, sample.Fields, answerOverride))]);
        }

        var botTemplate = label is null ? _config.Template!.Bot : LabelTemplate(label);
        var turns = ExampleTurns(shots);
        turns.Add(new PromptTurn(TurnRole.Human, _human));
        turns.Add(new PromptTurn(TurnRole.Bot, botTemplate));
        return new Prompt(turns.Select(t => t with { Text = Format(t.Text, sample.Fields, answerOverride) }).ToList());
    }

    /// <summary>Fills every <c>{column}</c> at once; values are not scanned again (OpenCompass's <c>safe_format</c>).</summary>
    internal static string Format(string template, IReadOnlyList<KeyValuePair<string, string>> fields, string? answerOverride) =>
        Placeholder().Replace(template, match =>
        {
            var key = match.Groups[1].Value;
            if (answerOverride is not null && key == "answer")
            {
                return answerOverride;
            }

            foreach (var field in fields)
            {
                if (field.Key == key)
                {
                    return field.Value;
                }
            }

            return match.Value;
        });

    [GeneratedRegex(@"\{([^{}]+)\}")]
    private static partial Regex Placeholder();
}
