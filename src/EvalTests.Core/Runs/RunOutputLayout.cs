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

    /// <summary>The dumped run configuration.</summary>
    public string ConfigFile(int processId) => Path.Combine(RunFolder, "configs", $"{Timestamp}_{processId}.json");

    /// <summary>The inference log of one dataset.</summary>
    public string InferLog(string model, string dataset) => Path.Combine(RunFolder, "logs", "infer", model, dataset + ".out");

    /// <summary>The evaluation log of one dataset.</summary>
    public string EvalLog(string model, string dataset) => Path.Combine(RunFolder, "logs", "eval", model, dataset + ".out");

    /// <summary>The predictions of one dataset.</summary>
    public string Predictions(string model, string dataset) => Path.Combine(RunFolder, "predictions", model, dataset + ".json");

    /// <summary>The scores of one dataset.</summary>
    public string Results(string model, string dataset) => Path.Combine(RunFolder, "results", model, dataset + ".json");

    /// <summary>A summary file (<paramref name="extension"/> is txt, csv, md or json).</summary>
    public string SummaryFile(string summaryTimestamp, string extension) => Path.Combine(RunFolder, "summary", $"summary_{summaryTimestamp}.{extension}");
}
