using System.Security.Cryptography;
using System.Text;
using EvalTests.Datasets;
using EvalTests.Runs;
using EvalTests.Xunit.ObjectModel;
using EvalTests.Xunit.Planning;
using EvalTests.Xunit.Runners;
using Xunit.Sdk;
using Xunit.v3;

namespace EvalTests.Xunit.Theories;

/// <summary>One test case per planned subset or group that an <see cref="EvalTheoryAttribute"/> names, per model.</summary>
internal sealed class EvalTheoryDiscoverer : IXunitTestCaseDiscoverer
{
    public ValueTask<IReadOnlyCollection<IXunitTestCase>> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, IXunitTestMethod testMethod, IFactAttribute factAttribute)
    {
        ArgumentNullException.ThrowIfNull(testMethod);
        var target = ((EvalTheoryAttribute)factAttribute).Target;
        var display = $"{testMethod.TestClass.TestClassName}.{testMethod.MethodName}";
        if (testMethod.Parameters.Count != 1 || testMethod.Parameters.First().ParameterType != typeof(SubsetResult))
        {
            return Error(testMethod, display, $"[EvalTheory(\"{target}\")] {testMethod.MethodName} must take one parameter of type {nameof(SubsetResult)}.");
        }

        if (!File.Exists(EvaluationSession.PlanPath))
        {
            return Error(testMethod, display, $"[EvalTheory(\"{target}\")]: no evaluation plan next to the test assembly ({EvaluationSession.PlanPath}); the project needs the EvalTests.Xunit package's items (<EvalModel>, <EvalDataset>).");
        }

        var plan = EvalPlanFile.Read(EvaluationSession.PlanPath);
        var cases = PlanCases.Discover(plan).Where(c => c.Case.Kind is EvalCaseKind.Subset or EvalCaseKind.Group).ToList();
        // A group names its member subsets too (ceval-hard: its eight subjects and the group itself).
        var groups = RunPlan.Create(plan.Catalog, PlanCases.KnownDatasets(plan)).Groups;
        var members = cases.Where(c => c.Case.Kind == EvalCaseKind.Group && c.Case.Name == target)
            .SelectMany(c => groups.Single(g => g.Name == c.Case.Abbr).Members)
            .ToHashSet(StringComparer.Ordinal);
        var rows = cases
            .Where(c => Matches(c.Case.Name, target) || (c.Case.Kind == EvalCaseKind.Subset && members.Contains(c.Case.Abbr)))
            .Select(c => (IXunitTestCase)new EvalTheoryTestCase(c.Case, testMethod, UniqueId(testMethod, c.Case), c.Traits))
            .ToList();
        return rows.Count > 0
            ? new(rows)
            : Error(testMethod, display, $"[EvalTheory(\"{target}\")]: no planned subset or group is named {target} or {target}-…; names look like ceval, ceval-stem or ceval-computer_network.");
    }

    private static bool Matches(string name, string target) =>
        name == target || name.StartsWith(target + "-", StringComparison.Ordinal);

    private static string UniqueId(IXunitTestMethod method, EvalCase evalCase) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(method.UniqueID + "|" + evalCase.Serialize())));

    private static ValueTask<IReadOnlyCollection<IXunitTestCase>> Error(IXunitTestMethod method, string display, string message) =>
        new([new ExecutionErrorTestCase(method, display, UniqueId(method, new EvalCase(EvalCaseKind.PlanError, "-", "-", "-", display, "-")), sourceFilePath: null, sourceLineNumber: null, message)]);
}
