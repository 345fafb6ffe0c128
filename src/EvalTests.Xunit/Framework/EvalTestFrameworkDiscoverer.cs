using System.Security.Cryptography;
using System.Text;
using EvalTests.Xunit.ObjectModel;
using EvalTests.Xunit.Planning;
using EvalTests.Xunit.Runners;
using Xunit.Sdk;
using Xunit.v3;

namespace EvalTests.Xunit.Framework;

/// <summary>Discovers ordinary tests as xUnit does, plus one <see cref="EvalTestCase"/> per case of the evaluation plan.</summary>
internal sealed class EvalTestFrameworkDiscoverer(IXunitTestAssembly testAssembly) : XunitTestFrameworkDiscoverer(testAssembly)
{
    /// <inheritdoc/>
    protected override Type[] GetExportedTypes() => [.. base.GetExportedTypes(), typeof(EvaluationCases)];

    /// <inheritdoc/>
    protected override async ValueTask<bool> FindTestsForType(IXunitTestClass testClass, ITestFrameworkDiscoveryOptions discoveryOptions, Func<ITestCase, ValueTask<bool>> discoveryCallback)
    {
        if (testClass.Class != typeof(EvaluationCases))
        {
            return await base.FindTestsForType(testClass, discoveryOptions, discoveryCallback);
        }

        var planPath = EvaluationSession.PlanPath;
        if (!File.Exists(planPath))
        {
            return true;
        }

        var method = new XunitTestMethod(testClass, typeof(EvaluationCases).GetMethod(nameof(EvaluationCases.Verify))!, []);
        foreach (var (evalCase, traits) in PlanCases.Discover(planPath))
        {
            var uniqueId = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(TestAssembly.UniqueID + "|" + evalCase.Serialize())));
            if (!await discoveryCallback(new EvalTestCase(evalCase, method, uniqueId, traits, skipReason: null)))
            {
                return false;
            }
        }

        return true;
    }
}
