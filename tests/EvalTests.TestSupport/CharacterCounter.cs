using EvalTests.Prompts;

namespace EvalTests.TestSupport;

/// <summary>A token counter that counts characters of the plain text: lengths a spec can work out by hand.</summary>
public sealed class CharacterCounter : ITokenCounter
{
    /// <inheritdoc/>
    public int CountTokens(Prompt prompt) => prompt.ToPlainText().Length;
}
