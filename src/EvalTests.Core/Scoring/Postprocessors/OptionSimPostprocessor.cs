using EvalTests.Datasets;
using EvalTests.Python;

namespace EvalTests.Scoring;

/// <summary>
/// How OpenCompass's <c>OptionSimAccEvaluator</c> (the evaluator of its quick custom multiple-choice datasets) reads an
/// answer: the stripped text when it is an option letter; else <c>first_option_postprocess</c> without its cushion
/// patterns; else the one option whose text the answer contains (case-insensitively); else the option nearest by
/// Levenshtein distance to the letter, its text, or "letter. text" (ties to the earlier letter, as Python's min of tuples).
/// </summary>
public sealed class OptionSimPostprocessor : IAnswerPostprocessor
{
    private readonly string _options;
    private readonly FirstOptionPostprocessor _firstOption;

    /// <summary>Creates the postprocessor for single upper-case option letters.</summary>
    /// <exception cref="ArgumentException">An option is not one upper-case letter (upstream refuses them too).</exception>
    public OptionSimPostprocessor(string options)
    {
        if (options.Length == 0 || !options.All(char.IsUpper))
        {
            throw new ArgumentException($"option_sim needs single upper-case option letters, got '{options}'.");
        }

        _options = options;
        _firstOption = new FirstOptionPostprocessor(options, corrected: false, cushion: false);
    }

    /// <inheritdoc/>
    public string Name => "option_sim";

    /// <summary>Without the question's option texts, the letter rules only.</summary>
    public string Extract(string text) => Letter(PythonText.Strip(text)) ?? _firstOption.Extract(text);

    /// <inheritdoc/>
    public string Extract(string text, DatasetSample question)
    {
        var prediction = PythonText.Strip(text);
        var parsed = Letter(prediction) ?? _firstOption.Extract(prediction);
        if (parsed.Length > 0)
        {
            return parsed;
        }

        var options = _options.Select(o => (Letter: o.ToString(), Text: question.Fields.Any(f => f.Key == o.ToString()) ? question[o.ToString()] : null)).ToList();
        var contained = options.Where(o => o.Text is not null && prediction.ToLowerInvariant().Contains(o.Text.ToLowerInvariant(), StringComparison.Ordinal)).ToList();
        if (contained.Count == 1)
        {
            return contained[0].Letter;
        }

        return options.Where(o => o.Text is not null)
            .Select(o => (Distance: new[] { o.Letter, o.Text!, $"{o.Letter}. {o.Text}" }.Min(candidate => Levenshtein(prediction, candidate)), o.Letter))
            .OrderBy(d => d.Distance).ThenBy(d => d.Letter, StringComparer.Ordinal)
            .Select(d => d.Letter)
            .FirstOrDefault() ?? string.Empty;
    }

    private string? Letter(string prediction) => prediction.Length == 1 && _options.Contains(prediction[0], StringComparison.Ordinal) ? prediction : null;

    /// <summary>The edit distance over code points (insertions, deletions, substitutions cost 1), as rapidfuzz's Levenshtein.distance on Python strings.</summary>
    internal static int Levenshtein(string first, string second)
    {
        var a = first.EnumerateRunes().ToArray();
        var b = second.EnumerateRunes().ToArray();
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        var current = new int[b.Length + 1];
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
