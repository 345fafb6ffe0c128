using System.Text;

namespace EvalTests.Prompts;

/// <summary>Who speaks a turn, as OpenCompass's meta templates name them.</summary>
public enum TurnRole
{
    /// <summary>An instruction that precedes the conversation.</summary>
    System,

    /// <summary>The user's turn (OpenCompass HUMAN).</summary>
    Human,

    /// <summary>The model's turn (OpenCompass BOT).</summary>
    Bot,
}

/// <summary>One turn of a prompt.</summary>
/// <param name="Role">Who speaks.</param>
/// <param name="Text">What is said; may be empty (the answer slot of the question being asked).</param>
public sealed record PromptTurn(TurnRole Role, string Text);

/// <summary>
/// A prompt as chat turns. A backend decides how to send it: as messages to a chat API, through a chat template,
/// or as plain text joined the way OpenCompass joins turns for a model without a meta template.
/// </summary>
public sealed record Prompt(IReadOnlyList<PromptTurn> Turns)
{
    /// <summary>
    /// The text OpenCompass gives a model that has no meta template: non-empty turns joined by a newline
    /// (its <c>LMTemplateParser</c> puts the separator before every item after the first, skipping empty ones).
    /// </summary>
    public string ToPlainText()
    {
        var text = new StringBuilder();
        var separator = string.Empty;
        foreach (var turn in Turns)
        {
            if (turn.Text.Length > 0)
            {
                text.Append(separator).Append(turn.Text);
            }

            separator = "\n";
        }

        return text.ToString();
    }

    /// <summary>
    /// The turns a chat model is sent: all but a last BOT turn, the answer slot the model fills (OpenCompass does not send
    /// a BOT prefix on the generating turn either).
    /// </summary>
    public IReadOnlyList<PromptTurn> ChatTurns => Turns.Count > 0 && Turns[^1].Role == TurnRole.Bot ? Turns.Take(Turns.Count - 1).ToList() : Turns;

    /// <summary>A prompt for chat messages received from a client: the messages, then the empty answer slot.</summary>
    public static Prompt FromChat(IEnumerable<PromptTurn> messages) => new([.. messages, new PromptTurn(TurnRole.Bot, string.Empty)]);

    /// <summary>The prompt without its last turn (the context of a scored continuation).</summary>
    public Prompt WithoutLastTurn() => new(Turns.Take(Turns.Count - 1).ToList());

    /// <inheritdoc/>
    public bool Equals(Prompt? other) => other is not null && Turns.SequenceEqual(other.Turns);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var turn in Turns)
        {
            hash.Add(turn);
        }

        return hash.ToHashCode();
    }
}
