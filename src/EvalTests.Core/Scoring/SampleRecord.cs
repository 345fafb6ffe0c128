namespace EvalTests.Scoring;

/// <summary>How one question ended.</summary>
/// <param name="Index">The row index in the evaluated file.</param>
/// <param name="Gold">The gold answer.</param>
/// <param name="Answer">The extracted (gen) or chosen (ppl) answer; empty when none.</param>
/// <param name="Output">The model's raw text (gen) or the chosen label (ppl).</param>
/// <param name="Outcome">Correct, wrong, unparsed or errored.</param>
/// <param name="Error">The model error, when errored.</param>
public sealed record SampleRecord(int Index, string Gold, string Answer, string Output, SampleOutcome Outcome, string? Error);
