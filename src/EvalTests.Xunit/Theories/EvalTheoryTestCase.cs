using EvalTests.Xunit.ObjectModel;
using EvalTests.Xunit.Runners;
using Xunit.Sdk;
using Xunit.v3;

namespace EvalTests.Xunit.Theories;

/// <summary>One row of an <see cref="EvalTheoryAttribute"/> method: its argument is the row's <see cref="SubsetResult"/>, read at run time.</summary>
public sealed class EvalTheoryTestCase : XunitTestCase
{
    /// <summary>For the deserializer.</summary>
    [Obsolete("Called by the de-serializer; should only be called by deriving classes for de-serialization purposes")]
    public EvalTheoryTestCase()
    {
    }

    /// <summary>Creates the row.</summary>
    public EvalTheoryTestCase(EvalCase evalCase, IXunitTestMethod testMethod, string uniqueId, Dictionary<string, HashSet<string>> traits)
        : base(testMethod, $"{testMethod?.MethodName}({evalCase?.Name} [{evalCase?.Model}, {evalCase?.ConfigShortName}])", uniqueId, @explicit: false, traits: traits)
    {
        Case = evalCase!;
    }

    /// <summary>The subset or group of this row.</summary>
    public EvalCase Case { get; private set; } = null!;

    /// <inheritdoc/>
    public override ValueTask<IReadOnlyCollection<IXunitTest>> CreateTests() =>
        new([new XunitTest(this, TestMethod, Explicit, SkipReason, SkipType, SkipUnless, SkipWhen, TestCaseDisplayName, testIndex: 0,
            Traits.ToDictionary(t => t.Key, t => (IReadOnlyCollection<string>)t.Value), Timeout, [SubsetResults.Of(Case)], TestCaseDisplayName, false)]);

    /// <inheritdoc/>
    protected override void Serialize(IXunitSerializationInfo info)
    {
        base.Serialize(info);
        info.AddValue("evalCase", Case.Serialize());
    }

    /// <inheritdoc/>
    protected override void Deserialize(IXunitSerializationInfo info)
    {
        base.Deserialize(info);
        Case = EvalCase.Deserialize(info.GetValue<string>("evalCase")!);
    }
}
