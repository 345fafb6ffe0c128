using System.Globalization;
using EvalTests.Datasets;

namespace EvalTests.Scoring;

/// <summary>Whether an extracted answer equals the gold one, by a config's comparison.</summary>
public static class AnswerComparison
{
    /// <summary>
    /// <c>exact</c>: the strings are equal. <c>numeric</c>: OpenCompass's <c>Gsm8kEvaluator.is_equal</c>, equal strings
    /// or <c>|float(answer) − int(gold)| &lt; 1e-6</c> (a gold that is not an integer only matches itself).
    /// </summary>
    public static bool Matches(AnswerMatch comparison, string answer, string gold)
    {
        if (answer == gold)
        {
            return true;
        }

        return comparison == AnswerMatch.Numeric
            && double.TryParse(answer.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            && long.TryParse(gold.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer)
            && Math.Abs(value - integer) < 1e-6;
    }
}
