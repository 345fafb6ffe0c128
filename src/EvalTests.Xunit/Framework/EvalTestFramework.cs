using System.Reflection;
using EvalTests.Xunit.Framework;
using Xunit.Sdk;
using Xunit.v3;

namespace EvalTests.Xunit;

/// <summary>
/// The EvalTests xUnit v3 test framework: ordinary tests run as usual, and every (model × dataset config × subset)
/// of the project's evaluation plan, every summary group and every score snapshot becomes a test case.
/// Selected with <c>[assembly: TestFramework(typeof(EvalTestFramework))]</c>, which EvalTests.targets adds.
/// </summary>
public sealed class EvalTestFramework : XunitTestFramework
{
    /// <inheritdoc/>
    public override string TestFrameworkDisplayName => "EvalTests on " + base.TestFrameworkDisplayName;

    /// <inheritdoc/>
    protected override ITestFrameworkDiscoverer CreateDiscoverer(Assembly assembly) =>
        new EvalTestFrameworkDiscoverer(((XunitTestFrameworkDiscoverer)base.CreateDiscoverer(assembly)).TestAssembly);

    /// <inheritdoc/>
    protected override ITestFrameworkExecutor CreateExecutor(Assembly assembly) =>
        // The discoverer exposes the test assembly xUnit built with its configuration file; the executor does not.
        new EvalTestFrameworkExecutor(((XunitTestFrameworkDiscoverer)base.CreateDiscoverer(assembly)).TestAssembly);
}
