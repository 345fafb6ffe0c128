namespace EvalTests.Scoring;

/// <summary>Turns a model's text into the answer it gave; an empty string means nothing could be extracted.</summary>
public interface IAnswerPostprocessor
{
    /// <summary>The name configs use (e.g. <c>first_capital</c>).</summary>
    string Name { get; }

    /// <summary>Extracts the answer.</summary>
    string Extract(string text);

    /// <summary>Extracts the answer of one question; a postprocessor that reads the question's options overrides it.</summary>
    string Extract(string text, Datasets.DatasetSample question) => Extract(text);
}

/// <summary>
/// OpenCompass's answer postprocessors (<c>opencompass/utils/text_postprocessors.py</c>, <c>datasets/gsm8k.py</c>), by
/// name. Each also answers to OpenCompass's function name (<c>first_option_postprocess</c>) and registry name
/// (<c>first-capital</c>).
/// </summary>
public static class AnswerPostprocessors
{
    private const string DefaultOptions = "ABCD";

    private static readonly Entry[] Entries =
    [
        new("first_capital", ["first-capital", "first_capital_postprocess"], [], _ => new FirstCapitalPostprocessor()),
        new("last_capital", ["last-capital", "last_capital_postprocess"], [], _ => new LastCapitalPostprocessor()),
        new("first_capital_multi", ["first-capital-multi", "first_capital_postprocess_multi"], [], _ => new FirstCapitalMultiPostprocessor()),
        new("multiple_select", ["multiple-select", "multiple_select_postprocess"], [], _ => new MultipleSelectPostprocessor()),
        new("first_option", ["first_option_postprocess"], ["options", "cushion"], spec => new FirstOptionPostprocessor(spec["options"] ?? DefaultOptions, corrected: false, Cushion(spec))),
        new("first_option_corrected", [], ["options", "cushion"], spec => new FirstOptionPostprocessor(spec["options"] ?? DefaultOptions, corrected: true, Cushion(spec))),
        new("last_option", ["last_option_postprocess"], ["options"], spec => new LastOptionPostprocessor(spec["options"] ?? DefaultOptions)),
        new("option_sim", ["OptionSimAccEvaluator"], ["options"], spec => new OptionSimPostprocessor(spec["options"] ?? DefaultOptions)),
        new("match_answer_pattern", [], ["answer_pattern"], spec => new MatchAnswerPatternPostprocessor(spec["answer_pattern"]
            ?? throw new ArgumentException("match_answer_pattern needs answer_pattern=REGEX (a Python regular expression whose group 1 is the answer)."))),
        new("gsm8k", ["gsm8k_postprocess"], [], _ => new Gsm8kPostprocessor()),
        new("gsm8k_dataset", ["gsm8k_dataset_postprocess"], [], _ => new Gsm8kGoldPostprocessor()),
    ];

    /// <summary>The known names.</summary>
    public static IEnumerable<string> Names => Entries.Select(e => e.Name);

    /// <summary>Every argument name any postprocessor takes.</summary>
    internal static IEnumerable<string> ArgumentNames => Entries.SelectMany(e => e.Arguments).Distinct();

    /// <summary>Finds a postprocessor by name, without arguments.</summary>
    /// <exception cref="ArgumentException">No postprocessor has that name.</exception>
    public static IAnswerPostprocessor Get(string name) => Get(PostprocessorSpec.Parse(name));

    /// <summary>Creates the postprocessor a spec names, with its arguments.</summary>
    /// <exception cref="ArgumentException">No postprocessor has that name, or an argument is unknown or invalid.</exception>
    public static IAnswerPostprocessor Get(PostprocessorSpec spec)
    {
        var entry = Entries.FirstOrDefault(e => e.Answers(spec.Name))
            ?? throw new ArgumentException($"Unknown postprocessor '{spec.Name}'. Known: {string.Join(", ", Names)}.");
        if (spec.Arguments.FirstOrDefault(a => !entry.Arguments.Contains(a.Key)) is { Key: { } unknown })
        {
            var takes = entry.Arguments.Length == 0 ? "takes no arguments" : $"takes {string.Join(", ", entry.Arguments)}";
            throw new ArgumentException($"Postprocessor '{entry.Name}' {takes}, not '{unknown}'.");
        }

        return entry.Create(spec);
    }

    private static bool Cushion(PostprocessorSpec spec) => spec["cushion"] switch
    {
        null or "true" or "True" => true,
        "false" or "False" => false,
        var other => throw new ArgumentException($"cushion={other}: expected true or false."),
    };

    private sealed record Entry(string Name, string[] Aliases, string[] Arguments, Func<PostprocessorSpec, IAnswerPostprocessor> Create)
    {
        public bool Answers(string name) =>
            string.Equals(Name, name, StringComparison.OrdinalIgnoreCase) || Aliases.Contains(name, StringComparer.OrdinalIgnoreCase);
    }
}
