using EvalTests.Scoring;

namespace EvalTests.Xunit;

/// <summary>
/// One planned subset or group of one model, as a data row of an <see cref="EvalTheoryAttribute"/> test method: the
/// same evaluation the built-in cases check, handed to your own assertions.
/// </summary>
/// <param name="Name">The benchmark-level name (<c>ceval-law</c>, <c>ceval-stem</c>, <c>ceval</c>).</param>
/// <param name="Model">The <c>EvalModel</c> item.</param>
/// <param name="Config">The config's short name (<c>ceval_gen</c>).</param>
/// <param name="Mode"><c>gen</c> or <c>ppl</c>.</param>
/// <param name="IsGroup">A summary group (the naive average of its subsets) rather than one subset.</param>
/// <param name="Score">Accuracy (or the judged metric) in points.</param>
/// <param name="StandardError">Its standard error, in points.</param>
/// <param name="Count">Questions.</param>
/// <param name="Invalid">Questions unparsed or errored.</param>
/// <param name="Outcomes">Every question's outcome, in file order (a group's: its subsets' in turn).</param>
public sealed record SubsetResult(
    string Name, string Model, string Config, string Mode, bool IsGroup, double Score, double StandardError, int Count, int Invalid, IReadOnlyList<SampleOutcome> Outcomes)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Name} [{Model}, {Config}]";
}
