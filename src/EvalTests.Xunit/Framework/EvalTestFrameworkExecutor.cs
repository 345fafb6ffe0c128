using EvalTests.Xunit.ObjectModel;
using EvalTests.Xunit.Runners;
using Xunit.Sdk;
using Xunit.v3;

namespace EvalTests.Xunit.Framework;

/// <summary>
/// Runs the selected test cases: first one evaluation of everything the selected evaluation cases need (one model
/// load and one batched run per model, however many cases), then every case as xUnit runs it.
/// </summary>
internal sealed class EvalTestFrameworkExecutor(IXunitTestAssembly testAssembly) : XunitTestFrameworkExecutor(testAssembly)
{
    /// <inheritdoc/>
    public override async ValueTask RunTestCases(IReadOnlyCollection<IXunitTestCase> testCases, IMessageSink executionMessageSink, ITestFrameworkExecutionOptions executionOptions, CancellationToken cancellationToken)
    {
        var selected = testCases.OfType<EvalCaseTestCase>().Select(c => c.Case).Distinct().ToList();
        if (selected.Count > 0)
        {
            await EvaluationSession.PrepareAsync(selected, cancellationToken);
        }

        await base.RunTestCases(testCases, executionMessageSink, executionOptions, cancellationToken);
    }
}
