using System.Globalization;
using EvalTests.Scoring;

namespace EvalTests.Cli.Rendering;

/// <summary>A finished dataset's score as both progress renderers print it.</summary>
internal static class ScoreText
{
    /// <summary><c>accuracy 42.11 ± 11.64 (n=19)</c>, or for a judged metric <c>judged score 0.50 (n=4)</c> (no ± where there is no standard error).</summary>
    public static string Of(SubsetScore score) => string.Create(CultureInfo.InvariantCulture,
        $"{(score.JudgedValue is null ? "accuracy" : "judged score")} {score.Value:F2}{(double.IsFinite(score.ValueStandardError) ? $" ± {score.ValueStandardError:F2}" : string.Empty)} (n={score.Total})");
}
