using System.Globalization;
using EvalTests.Scoring;

namespace EvalTests.Cli.Rendering;

/// <summary>A finished dataset's score as both progress renderers print it.</summary>
internal static class ScoreText
{
    /// <summary>
    /// <c>accuracy 42.11 ± 11.64 (n=19)</c>, or for a judged metric <c>judged score 0.50 (n=4)</c> (no ± where there is no
    /// standard error), and <c>-</c> as OpenCompass's tables print a missing score where nothing could be scored (every
    /// judgement unparsed).
    /// </summary>
    public static string Of(SubsetScore score) => string.Create(CultureInfo.InvariantCulture,
        $"{(score.JudgedValue is null ? "accuracy" : "judged score")} {(double.IsNaN(score.Value) ? "-" : score.Value.ToString("F2", CultureInfo.InvariantCulture))}{(double.IsFinite(score.ValueStandardError) ? $" ± {score.ValueStandardError:F2}" : string.Empty)} (n={score.Total})");
}
