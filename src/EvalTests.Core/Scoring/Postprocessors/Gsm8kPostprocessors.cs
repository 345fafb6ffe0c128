using System.Text.RegularExpressions;

namespace EvalTests.Scoring;

/// <summary>
/// OpenCompass's <c>gsm8k_postprocess</c>: the last number (<c>-?\d+\.\d+|-?\d+</c>) before any <c>Question:</c> the
/// model went on to write. Where OpenCompass returns <c>NULL</c> this returns nothing, so the answer counts as unparsed.
/// </summary>
public sealed partial class Gsm8kPostprocessor : IAnswerPostprocessor
{
    /// <inheritdoc/>
    public string Name => "gsm8k";

    /// <inheritdoc/>
    public string Extract(string text)
    {
        var cut = text.IndexOf("Question:", StringComparison.Ordinal);
        var numbers = Number().Matches(cut >= 0 ? text[..cut] : text);
        return numbers.Count == 0 ? string.Empty : numbers[^1].Value;
    }

    [GeneratedRegex(@"\-?\d+\.\d+|\-?\d+", RegexOptions.CultureInvariant)]
    private static partial Regex Number();
}

/// <summary>OpenCompass's <c>gsm8k_dataset_postprocess</c> for the gold answer: the text after <c>#### </c>, commas removed.</summary>
public sealed class Gsm8kGoldPostprocessor : IAnswerPostprocessor
{
    /// <inheritdoc/>
    public string Name => "gsm8k_dataset";

    /// <inheritdoc/>
    public string Extract(string text)
    {
        // Python's text.split('#### ')[1]: the part between the first and any second marker.
        var parts = text.Split("#### ");
        return parts.Length > 1 ? parts[1].Replace(",", string.Empty, StringComparison.Ordinal) : string.Empty;
    }
}
