namespace EvalTests.Runs;

/// <summary>Which stages a run does (OpenCompass's <c>--mode</c>).</summary>
public enum RunMode
{
    /// <summary>Ask the model, then score and summarize.</summary>
    All,

    /// <summary>Only ask the model: predictions (and the checkpoint), no results or summary.</summary>
    Infer,

    /// <summary>Only score the predictions an earlier run wrote (no model): results and summary.</summary>
    Eval,
}

/// <summary>How a run behaves; defaults follow OpenCompass's defaults for local models.</summary>
public sealed record RunSettings
{
    /// <summary>The folder that holds one timestamped folder per run (OpenCompass <c>-w</c>, default <c>outputs/default</c>).</summary>
    public string WorkDir { get; init; } = Path.Combine("outputs", "default");

    /// <summary>The run folder name; null uses the start time as <c>yyyyMMdd_HHmmss</c>.</summary>
    public string? Timestamp { get; init; }

    /// <summary>The most requests sent to the model at once.</summary>
    public int BatchSize { get; init; } = BatchSizeSetting.DefaultSize;

    /// <summary>
    /// Measure the largest batch that fits for each mode before asking (<c>--batch-size auto</c>); models that cannot
    /// measure (<see cref="Models.IBatchCapacity"/>) use <see cref="BatchSize"/>.
    /// </summary>
    public bool AutoBatchSize { get; init; }

    /// <summary>
    /// When set, batches are packed by tokens instead of by <see cref="BatchSize"/>: a batch holds as many requests as
    /// fit rows × its longest request (prompt tokens, plus max_out_len in gen mode) within this budget.
    /// </summary>
    public int? BatchTokens { get; init; }

    /// <summary>The most tokens generated per answer (OpenCompass <c>max_out_len</c>); null uses the config's own, else 100.</summary>
    public int? MaxOutLen { get; init; }

    /// <summary>How the evaluated model chooses tokens in gen mode (OpenCompass's generation_kwargs); null is greedy.</summary>
    public Models.SamplingSettings? Sampling { get; init; }

    /// <summary>The most tokens a judge model writes per judgement.</summary>
    public int JudgeMaxOutLen { get; init; } = 1024;

    /// <summary>The model whose answers pairwise-judged datasets compare against (its predictions must be in the run folder).</summary>
    public string? Baseline { get; init; }

    /// <summary>The prompt length limit in tokens for dropping in-context examples; null uses the model's context length.</summary>
    public int? MaxSeqLen { get; init; }

    /// <summary>Only the first N questions of each subset (for smoke runs); null for all.</summary>
    public int? Limit { get; init; }

    /// <summary>
    /// Only the rows of each subset this Python slice selects (OpenCompass's <c>test_range</c>, e.g. <c>[0:100]</c>),
    /// numbered from 0 in the slice as OpenCompass numbers them; applied before <see cref="Limit"/>.
    /// </summary>
    public Python.PythonSlice? TestRange { get; init; }

    /// <summary>Per-config test ranges (config name → slice) that override <see cref="TestRange"/>.</summary>
    public IReadOnlyDictionary<string, Python.PythonSlice> TestRangePerConfig { get; init; } = new Dictionary<string, Python.PythonSlice>();

    /// <summary>This process's shard (<c>1of2</c>) when several processes share the run folder; names its checkpoint file.</summary>
    public string? Shard { get; init; }

    /// <summary>The stages to run.</summary>
    public RunMode Mode { get; init; } = RunMode.All;

    /// <summary>A postprocessor (and its arguments) that replaces the configs' own for gen tasks (re-scoring in eval mode).</summary>
    public Scoring.PostprocessorSpec? Postprocessor { get; init; }

    /// <summary>Per-config limits (config name → N) that override <see cref="Limit"/>.</summary>
    public IReadOnlyDictionary<string, int> LimitPerConfig { get; init; } = new Dictionary<string, int>();

    /// <summary>Write the summary files at the end; a run of several models writes one summary of all of them instead.</summary>
    public bool WriteSummaryFiles { get; init; } = true;
}
