using Xunit.Sdk;
using Xunit.v3;

namespace EvalTests.Xunit.ObjectModel;

/// <summary>An xUnit test case that stands for one <see cref="EvalCase"/>: the built-in cases and the rows of an [EvalTheory] method.</summary>
public abstract class EvalCaseTestCase : XunitTestCase
{
    /// <summary>For the deserializer.</summary>
    [Obsolete("Called by the de-serializer; should only be called by deriving classes for de-serialization purposes")]
    protected EvalCaseTestCase()
    {
    }

    /// <summary>Creates the test case.</summary>
    protected EvalCaseTestCase(EvalCase evalCase, IXunitTestMethod testMethod, string displayName, string uniqueId, Dictionary<string, HashSet<string>> traits, object?[]? arguments, string? skipReason)
        : base(testMethod, displayName, uniqueId, @explicit: false, skipReason: skipReason, traits: traits, testMethodArguments: arguments)
    {
        Case = evalCase;
    }

    /// <summary>What this case checks: the subset, group or snapshot of one model.</summary>
    public EvalCase Case { get; private set; } = null!;

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
