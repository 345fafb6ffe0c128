using EvalTests.Datasets;
using EvalTests.Python;

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

        // Python's float() and int() take any script's digits ('１８' is 18), white space and underscores.
        return comparison == AnswerMatch.Numeric
            && PythonNumber.TryParseFloat(answer, out var value)
            && PythonNumber.TryParseInt(gold, out var integer)
            && Math.Abs(value - integer) < 1e-6;
    }
}
