using EvalTests.Xunit.ObjectModel;
using EvalTests.Xunit.Runners;
using Xunit.Sdk;
using Xunit.v3;

namespace EvalTests.Xunit.Theories;

/// <summary>One row of an <see cref="EvalTheoryAttribute"/> method: its argument is the row's <see cref="SubsetResult"/>, read at run time.</summary>
public sealed class EvalTheoryTestCase : EvalCaseTestCase
{
    /// <summary>For the deserializer.</summary>
    [Obsolete("Called by the de-serializer; should only be called by deriving classes for de-serialization purposes")]
    public EvalTheoryTestCase()
    {
    }

    /// <summary>Creates the row.</summary>
    public EvalTheoryTestCase(EvalCase evalCase, IXunitTestMethod testMethod, string uniqueId, Dictionary<string, HashSet<string>> traits)
        : base(evalCase!, testMethod!, $"{testMethod?.MethodName}({evalCase?.Name} [{evalCase?.Model}, {evalCase?.ConfigShortName}])", uniqueId, traits, arguments: null, skipReason: null)
    {
    }

    /// <inheritdoc/>
    public override ValueTask<IReadOnlyCollection<IXunitTest>> CreateTests() =>
        new([new XunitTest(this, TestMethod, Explicit, SkipReason, SkipType, SkipUnless, SkipWhen, TestCaseDisplayName, testIndex: 0,
            Traits.ToDictionary(t => t.Key, t => (IReadOnlyCollection<string>)t.Value), Timeout, [SubsetResults.Of(Case)], TestCaseDisplayName, false)]);
}
