using EvalTests.Datasets;
using EvalTests.Runs;
using EvalTests.Runs.RunFolder;
using EvalTests.TestSupport;

namespace EvalTests.Reports.Tests;

/// <summary>
/// A finished run of two scripted models on three C-Eval subjects (4 questions each, gen mode): "always A" and
/// "always B", so that both the comparison and the drill-down have something to show.
/// </summary>
public sealed class ReportRun : IAsyncLifetime
{
    private readonly TempDirectory _work = new();
    private FinishedRun? _run;

    public async ValueTask InitializeAsync()
    {
        var plan = RunPlan.Create(DatasetCatalog.Default, ["ceval_gen"], ["computer_network", "law", "logic"]);
        var settings = new RunSettings { WorkDir = _work.Path, Timestamp = "20261130_120000", Limit = 4, BatchSize = 4 };
        foreach (var (abbr, answer) in new[] { ("always-a", "A"), ("always-b", "B") })
        {
            var model = new ScriptedLanguageModel(_ => $"答案是 {answer}", abbr: abbr);
            await new EvaluationRunner(model, settings).RunAsync(plan, card => Path.Combine(SharedData.Datasets, card.Name));
        }

        _run = FinishedRun.Read(Path.Combine(_work.Path, "20261130_120000"));
    }

    public FinishedRun Run => _run ?? throw new InvalidOperationException("The run is made in InitializeAsync.");

    public TempDirectory Folder => _work;

    public ValueTask DisposeAsync()
    {
        _work.Dispose();
        return ValueTask.CompletedTask;
    }
}
