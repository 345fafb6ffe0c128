using System.Text.RegularExpressions;

namespace EvalTests.Judging;

/// <summary>A verifier judge's label for one prediction against the gold answer.</summary>
public enum Verdict
{
    /// <summary><c>A</c>: the prediction matches the gold answer.</summary>
    Correct,

    /// <summary><c>B</c>: it does not.</summary>
    Incorrect,

    /// <summary><c>C</c>, or no label at all: the prediction was not a real attempt (or the judge did not say).</summary>
    NotAttempted,
}

/// <summary>
/// Reads a verifier judge's reply (CompassVerifier / GenericLLMEvaluator prompts: <c>A: CORRECT</c>, <c>B: INCORRECT</c>,
/// <c>C: INVALID</c>) as OpenCompass's <c>generic_llmjudge_postprocess</c> does: the first <c>A</c> or <c>B</c> anywhere in
/// the text decides (<c>re.search('(A|B)')</c>); anything else is not attempted.
/// </summary>
public static partial class VerifierVerdict
{
    /// <summary>The label in a judge's reply.</summary>
    /// <remarks>
    /// As in OpenCompass, the first capital A or B wins even inside a word ("INVALID" reads as A); the verifier prompt
    /// asks for the bare letter for that reason.
    /// </remarks>
    public static Verdict Parse(string judgement) => FirstAOrB().Match(judgement) is { Success: true } match
        ? match.Value == "A" ? Verdict.Correct : Verdict.Incorrect
        : Verdict.NotAttempted;

    [GeneratedRegex("A|B", RegexOptions.CultureInvariant)]
    private static partial Regex FirstAOrB();
}

/// <summary>The scores OpenCompass's GenericLLMEvaluator reports from a subset's verdicts.</summary>
/// <param name="Correct">Predictions judged correct.</param>
/// <param name="Incorrect">Predictions judged incorrect.</param>
/// <param name="NotAttempted">Predictions judged invalid, or replies without a label.</param>
public sealed record VerifierScore(int Correct, int Incorrect, int NotAttempted)
{
    /// <summary>All judged predictions.</summary>
    public int Total => Correct + Incorrect + NotAttempted;

    /// <summary>Correct ÷ total × 100.</summary>
    public double Accuracy => Total == 0 ? 0 : 100.0 * Correct / Total;

    /// <summary>Correct ÷ (correct + incorrect) × 100.</summary>
    public double AccuracyGivenAttempted => Correct + Incorrect == 0 ? 0 : 100.0 * Correct / (Correct + Incorrect);

    /// <summary>(Correct + incorrect) ÷ total × 100.</summary>
    public double AttemptedRatio => Total == 0 ? 0 : 100.0 * (Correct + Incorrect) / Total;

    /// <summary>Counts the verdicts.</summary>
    public static VerifierScore From(IEnumerable<Verdict> verdicts)
    {
        var list = verdicts.ToList();
        return new VerifierScore(list.Count(v => v == Verdict.Correct), list.Count(v => v == Verdict.Incorrect), list.Count(v => v == Verdict.NotAttempted));
    }
}
