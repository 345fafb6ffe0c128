using Xunit;
using Xunit.v3;

namespace EvalTests.Xunit;

/// <summary>
/// A test method whose data rows are the planned subsets and groups named by <paramref name="target"/> (a benchmark such
/// as <c>ceval</c>, a group such as <c>ceval-stem</c> with its member subsets, or one subset): each row is a test case with the built-in case's
/// traits, all rows are served by the same single batched evaluation, and the method receives the row's
/// <see cref="SubsetResult"/>.
/// </summary>
/// <example><code>
/// [EvalTheory("ceval")]
/// public void Law_stays_strong(SubsetResult subset) => Assert.True(subset.Name != "ceval-law" || subset.Score >= 40);
/// </code></example>
/// <param name="target">The subsets and groups to run the method on.</param>
[XunitTestCaseDiscoverer(typeof(Theories.EvalTheoryDiscoverer))]
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class EvalTheoryAttribute(string target) : FactAttribute
{
    /// <summary>The subsets and groups the rows come from.</summary>
    public string Target { get; } = target;
}
