using System.Text.RegularExpressions;

namespace EvalTests.Judging;

/// <summary>Which answer a pairwise judge preferred, in the order it was shown the two.</summary>
public enum Preference
{
    /// <summary><c>[[A]]</c>: the first answer shown.</summary>
    First,

    /// <summary><c>[[B]]</c>: the second answer shown.</summary>
    Second,

    /// <summary><c>[[C]]</c>: a tie.</summary>
    Tie,

    /// <summary>No verdict could be read from the reply.</summary>
    Unparsed,
}

/// <summary>
/// One pairwise comparison: the model's answer against the baseline's, shown in either order so position bias cancels
/// over a subset.
/// </summary>
/// <param name="ModelShownFirst">Whether the judge saw the model's answer as A.</param>
/// <param name="Preference">What the judge said, in the order shown.</param>
public sealed record PairwiseJudgement(bool ModelShownFirst, Preference Preference)
{
    /// <summary>Whether the model won, lost or tied, with the order undone (null when unparsed).</summary>
    public double? ModelPoints => Preference switch
    {
        Preference.Tie => 0.5,
        Preference.First => ModelShownFirst ? 1 : 0,
        Preference.Second => ModelShownFirst ? 0 : 1,
        _ => null,
    };
}

/// <summary>
/// Reads a pairwise judge's reply in the MT-Bench pairwise format (<c>[[A]]</c>, <c>[[B]]</c>, <c>[[C]]</c> for a tie) as
/// OpenCompass's <c>post_process_mtbench_pair</c> does: the first bracketed run of the letters A–C decides, so a reply
/// that restates the options before deciding reads as its first option, exactly as it does there; a run that is not a
/// single letter (<c>[AB]</c>) is no verdict.
/// </summary>
public static partial class PairwiseVerdict
{
    /// <summary>The verdict in a judge's reply.</summary>
    public static Preference Parse(string judgement) => Verdict().Match(judgement) is { Success: true } first
        ? first.Groups[1].Value switch
        {
            "A" => Preference.First,
            "B" => Preference.Second,
            "C" => Preference.Tie,
            _ => Preference.Unparsed,
        }
        : Preference.Unparsed;

    /// <summary>Whether comparison <paramref name="index"/> shows the model's answer first: every other one is swapped.</summary>
    public static bool ModelShownFirst(int index) => index % 2 == 0;

    [GeneratedRegex(@"\[([A-C]+)\]", RegexOptions.CultureInvariant)]
    private static partial Regex Verdict();
}

/// <summary>A subset's pairwise result against the baseline.</summary>
/// <param name="Wins">Comparisons the model won.</param>
/// <param name="Losses">Comparisons the baseline won.</param>
/// <param name="Ties">Ties.</param>
/// <param name="Unparsed">Replies without a verdict; not in the rates.</param>
public sealed record PairwiseScore(int Wins, int Losses, int Ties, int Unparsed)
{
    /// <summary>Comparisons with a verdict.</summary>
    public int Judged => Wins + Losses + Ties;

    /// <summary>(Wins + ties ÷ 2) ÷ judged × 100: a tie is half a win.</summary>
    public double WinRate => Judged == 0 ? 0 : 100.0 * (Wins + (0.5 * Ties)) / Judged;

    /// <summary>Counts the judgements, with each one's order undone.</summary>
    public static PairwiseScore From(IEnumerable<PairwiseJudgement> judgements)
    {
        var points = judgements.Select(j => j.ModelPoints).ToList();
        return new PairwiseScore(points.Count(p => p == 1), points.Count(p => p == 0), points.Count(p => p == 0.5), points.Count(p => p is null));
    }
}
