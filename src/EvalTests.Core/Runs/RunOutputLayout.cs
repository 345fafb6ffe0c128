namespace EvalTests.Runs;

/// <summary>
/// OpenCompass's output tree: <c>&lt;work_dir&gt;/&lt;timestamp&gt;/{configs,logs,predictions/&lt;model&gt;/&lt;dataset&gt;.json,
/// results/&lt;model&gt;/&lt;dataset&gt;.json,summary/summary_&lt;ts&gt;.{txt,csv,md}}</c>.
/// </summary>
/// <param name="WorkDir">The work dir.</param>
/// <param name="Timestamp">The run folder name.</param>
public sealed record RunOutputLayout(string WorkDir, string Timestamp)
{
    /// <summary>The run folder.</summary>
    public string RunFolder => Path.Combine(WorkDir, Timestamp);

    /// <summary>The layout of an existing run folder (<c>&lt;work_dir&gt;/&lt;timestamp&gt;</c>).</summary>
    public static RunOutputLayout Of(string runFolder)
    {
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(runFolder));
        return new RunOutputLayout(Path.GetDirectoryName(full)!, Path.GetFileName(full));
    }

    /// <summary>The folders a run shard writes and <c>merge</c> gathers, by name under the run folder.</summary>
    public static readonly IReadOnlyList<string> ShardFolders = ["configs", "checkpoints", "predictions", "logs"];

    /// <summary>A run or summary timestamp (<c>yyyyMMdd_HHmmss</c>, local time, as OpenCompass names them).</summary>
    public static string NewTimestamp(TimeProvider clock) => clock.GetLocalNow().ToString("yyyyMMdd_HHmmss", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The folder of the dumped run configurations.</summary>
    public string ConfigsFolder => Path.Combine(RunFolder, "configs");

    /// <summary>The folder of predictions (every model's).</summary>
    public string PredictionsFolder => Path.Combine(RunFolder, "predictions");

    /// <summary>A worker process's output (<c>--max-num-workers</c>).</summary>
    public string WorkerLog(int index, int count) => Path.Combine(RunFolder, "logs", "workers", $"{index}of{count}.out");

    /// <summary>The dumped run configuration.</summary>
    public string ConfigFile(int processId) => Path.Combine(ConfigsFolder, $"{Timestamp}_{processId}.json");

    /// <summary>The inference log of one dataset.</summary>
    public string InferLog(string model, string dataset) => Path.Combine(RunFolder, "logs", "infer", model, dataset + ".out");

    /// <summary>The evaluation log of one dataset.</summary>
    public string EvalLog(string model, string dataset) => Path.Combine(RunFolder, "logs", "eval", model, dataset + ".out");

    /// <summary>The predictions of one dataset.</summary>
    public string Predictions(string model, string dataset) => Path.Combine(PredictionsFolder, model, dataset + ".json");

    /// <summary>The scores of one dataset.</summary>
    public string Results(string model, string dataset) => Path.Combine(RunFolder, "results", model, dataset + ".json");

    /// <summary>
    /// Every answer the model gave in this run, appended as it arrives (ours, not OpenCompass's): what <c>--reuse</c>
    /// replays so that a killed run continues without asking anything twice.
    /// </summary>
    /// <param name="model">The model abbr.</param>
    /// <param name="shard">The shard (<c>1of2</c>) when the run is one of several processes, each with its own file.</param>
    public string Checkpoint(string model, string? shard = null) => Path.Combine(RunFolder, "checkpoints", shard is null ? model + ".jsonl" : $"{model}.shard{shard}.jsonl");

    /// <summary>Every checkpoint file of a model in this run, whichever process (shard) wrote it.</summary>
    public IEnumerable<string> CheckpointFiles(string model)
    {
        var folder = Path.Combine(RunFolder, "checkpoints");
        return Directory.Exists(folder)
            ? Directory.EnumerateFiles(folder, "*.jsonl").Where(f => Path.GetFileName(f) == model + ".jsonl" || Path.GetFileName(f).StartsWith(model + ".shard", StringComparison.Ordinal)).Order(StringComparer.Ordinal)
            : [];
    }

    /// <summary>
    /// The run folder <c>--reuse</c> continues: the named one, or with no name the last in sorted order (OpenCompass's
    /// <c>sorted(os.listdir(work_dir))[-1]</c>).
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">There is no such run, or none at all.</exception>
    public static string ResolveReuse(string workDir, string? timestamp)
    {
        if (!string.IsNullOrEmpty(timestamp) && timestamp != "latest")
        {
            return Directory.Exists(Path.Combine(workDir, timestamp))
                ? timestamp
                : throw new DirectoryNotFoundException($"Cannot reuse run '{timestamp}': {Path.GetFullPath(Path.Combine(workDir, timestamp))} does not exist.");
        }

        var runs = Directory.Exists(workDir) ? Directory.GetDirectories(workDir).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList() : [];
        return runs.Count > 0 ? runs[^1]! : throw new DirectoryNotFoundException($"Nothing to reuse: {Path.GetFullPath(workDir)} holds no run folder.");
    }

    /// <summary>The name OpenCompass gives a model judged by a judge model (<c>&lt;model&gt;_judged-by--&lt;judge&gt;</c>).</summary>
    public static string JudgedBy(string model, string judge) => $"{model}_judged-by--{judge}";

    /// <summary>
    /// A judge's prompts, raw replies and parsed verdicts for one dataset: <c>results/&lt;model&gt;/&lt;dataset&gt;_replica0.json</c>
    /// for a verifier (GenericLLMEvaluator), <c>results/&lt;model&gt;_judged-by--&lt;judge&gt;/&lt;dataset&gt;.json</c> for subjective judges.
    /// </summary>
    public string JudgeOutputs(string model, string judge, string dataset, bool verifier) => verifier
        ? Path.Combine(RunFolder, "results", model, dataset + "_replica0.json")
        : Path.Combine(RunFolder, "results", JudgedBy(model, judge), dataset + ".json");

    /// <summary>A file of a subjective summarizer (e.g. AlignBench's dimension table) under <c>summary/&lt;ts&gt;/</c>.</summary>
    public string SubjectiveSummaryFile(string summaryTimestamp, string name) => Path.Combine(RunFolder, "summary", summaryTimestamp, name);

    /// <summary>A summary file (<paramref name="extension"/> is txt, csv, md or json).</summary>
    public string SummaryFile(string summaryTimestamp, string extension) => Path.Combine(RunFolder, "summary", $"summary_{summaryTimestamp}.{extension}");

    /// <summary>The HTML report written beside a summary.</summary>
    public string ReportFile(string summaryTimestamp) => Path.Combine(RunFolder, "summary", $"report_{summaryTimestamp}.html");
}
