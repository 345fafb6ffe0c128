using EvalTests.Judging;
using EvalTests.Reporting;
using EvalTests.Scoring;

namespace EvalTests.Runs;

/// <summary>A finished task: its score and every sample.</summary>
/// <param name="Task">The task.</param>
/// <param name="Score">The score row.</param>
/// <param name="Samples">Every question's outcome.</param>
public sealed record TaskResult(EvaluationTask Task, DatasetScore Score, IReadOnlyList<SampleRecord> Samples)
{
    /// <summary>AlignBench's capability and dimension tables, for an AlignBench task rated by a judge.</summary>
    public AlignBenchSummary? AlignBench { get; init; }
}

/// <summary>A finished run: where its files are, and its summary.</summary>
/// <param name="Layout">The output folders.</param>
/// <param name="SummaryTimestamp">The timestamp of the summary files.</param>
/// <param name="Summary">The summary table.</param>
/// <param name="Tasks">Every task's result.</param>
public sealed record RunResult(RunOutputLayout Layout, string SummaryTimestamp, Summary Summary, IReadOnlyList<TaskResult> Tasks)
{
    /// <summary>Requests answered from the run's checkpoint (a resumed run), without asking the model.</summary>
    public int ReplayedRequests { get; init; }

    /// <summary>Requests sent to the model in this run.</summary>
    public int SentRequests { get; init; }

    /// <summary>The batch sizes measured under <see cref="RunSettings.AutoBatchSize"/>: the model's per mode and a local judge's.</summary>
    public IReadOnlyDictionary<RequestKind, int> MeasuredBatchSizes { get; init; } = new Dictionary<RequestKind, int>();
}

/// <summary>What a run of one task would ask (<see cref="EvaluationRunner.DescribeWork"/>).</summary>
/// <param name="Dataset">The task's abbreviation.</param>
/// <param name="Mode">gen or ppl.</param>
/// <param name="Questions">Questions evaluated.</param>
/// <param name="ModelCalls">Requests of the naive plan: one per question (gen) or per option (ppl).</param>
/// <param name="PromptTokens">The prompts' tokens, where the model counts them.</param>
/// <param name="PromptCharacters">The prompts' characters.</param>
public sealed record TaskWork(string Dataset, string Mode, int Questions, int ModelCalls, long? PromptTokens, long PromptCharacters);

/// <summary>What a batch asks: the evaluated model's generations or log-likelihoods, or the judge's verdicts.</summary>
public enum RequestKind
{
    /// <summary>Generations of the evaluated model (gen mode).</summary>
    Gen,

    /// <summary>Log-likelihoods of the evaluated model (ppl mode).</summary>
    Ppl,

    /// <summary>The judge's generations.</summary>
    Judge,
}
