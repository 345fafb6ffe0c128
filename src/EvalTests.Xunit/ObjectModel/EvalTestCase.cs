using Xunit.Sdk;
using Xunit.v3;

namespace EvalTests.Xunit.ObjectModel;

/// <summary>
/// An xUnit test case for one <see cref="EvalCase"/>. It reports its own class and method names
/// (<c>ceval-law.stories260K</c> / <c>ceval_gen</c>), so runners build the fully qualified name
/// <c>ceval-law.stories260K.ceval_gen</c> and <c>dotnet test --filter ceval-law</c> selects it.
/// </summary>
public sealed class EvalTestCase : EvalCaseTestCase, ITestCaseMetadata
{
    /// <summary>For the deserializer.</summary>
    [Obsolete("Called by the de-serializer; should only be called by deriving classes for de-serialization purposes")]
    public EvalTestCase()
    {
    }

    /// <summary>Creates the test case.</summary>
    public EvalTestCase(EvalCase evalCase, IXunitTestMethod testMethod, string uniqueId, Dictionary<string, HashSet<string>> traits, string? skipReason)
        : base(evalCase, testMethod, $"{evalCase?.Name} [{evalCase?.Model}, {evalCase?.ConfigShortName}{(evalCase?.Kind == EvalCaseKind.Snapshot ? ", snapshot" : string.Empty)}]",
            uniqueId, traits, [evalCase!.Serialize()], skipReason)
    {
    }

    string ITestCaseMetadata.TestClassName => Case.ClassName;

    string? ITestCaseMetadata.TestClassNamespace => null;

    string ITestCaseMetadata.TestClassSimpleName => Case.ClassName;

    string ITestCaseMetadata.TestMethodName => Case.MethodName;

    string[]? ITestCaseMetadata.TestMethodParameterTypesVSTest => null;
}
