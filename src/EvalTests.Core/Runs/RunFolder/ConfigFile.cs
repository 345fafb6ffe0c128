using System.Text.Json;
using EvalTests.Datasets;
using EvalTests.Models;

namespace EvalTests.Runs.RunFolder;

/// <summary><c>configs/&lt;ts&gt;_&lt;pid&gt;.json</c>: the models, datasets with versions, summary groups and settings of a run.</summary>
internal static class ConfigFile
{
    private static readonly SemaphoreSlim Writing = new(1, 1);

    /// <summary>
    /// Writes the config; when this process already wrote one to the same run folder for another model (a run of several
    /// models), that model stays in its <c>models</c> list, as OpenCompass lists every model of a run in one config.
    /// </summary>
    public static async Task WriteAsync(string path, RunPlan plan, RunSettings settings, RunOutputLayout layout, ModelDescriptor model, ModelDescriptor? judge, CancellationToken cancellationToken)
    {
        // Models run at the same time (API models of one run) read and rewrite the same file: one at a time.
        await Writing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await MergeAndWriteAsync(path, plan, settings, layout, model, judge, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Writing.Release();
        }
    }

    private static async Task MergeAndWriteAsync(string path, RunPlan plan, RunSettings settings, RunOutputLayout layout, ModelDescriptor model, ModelDescriptor? judge, CancellationToken cancellationToken)
    {
        var config = ToRecord(plan, settings, layout, model, judge);
        if (File.Exists(path))
        {
            config = config with { Models = [.. Read(path).Models.Where(m => m.Abbr != model.Abbr), .. config.Models] };
        }

        await OutputJson.WriteAsync(path, JsonSerializer.Serialize(config, RunFolderJsonContext.Readable.RunConfigRecord), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A config file a run wrote.</summary>
    /// <exception cref="InvalidDataException">Not valid JSON, or not a run config; the message names the file (and line).</exception>
    public static RunConfigRecord Read(string path) => OutputJson.Read(path, RunFolderJsonContext.Readable.RunConfigRecord, "a run config");

    public static RunConfigRecord ToRecord(RunPlan plan, RunSettings settings, RunOutputLayout layout, ModelDescriptor model, ModelDescriptor? judge) => new(
        Models: [ModelEntry(model, settings)],
        JudgeModels: judge is null ? [] : [new JudgeRecord(judge.Abbr, judge.Identity, settings.JudgeMaxOutLen)],
        Datasets: [.. plan.Tasks.Select(t => DatasetEntry(t, settings))],
        Summarizer: new SummarizerRecord([.. plan.Groups.Select(g => new SummaryGroupRecord(g.Name, g.Members))]),
        WorkDir: Path.GetFullPath(layout.RunFolder),
        Limit: settings.Limit,
        MaxSeqLenOverride: settings.MaxSeqLen);

    private static ModelRecord ModelEntry(ModelDescriptor model, RunSettings settings) => new(
        model.Abbr,
        model.Identity,
        model.MaxSequenceLength,
        new BatchSizeRecord(settings.AutoBatchSize ? null : settings.BatchSize),
        settings.MaxOutLen,
        // OpenCompass's generation_kwargs: written only when the run samples, so a greedy run's config is as before.
        settings.Sampling is { } sampling ? new GenerationKwargsRecord(true, sampling.Temperature, sampling.TopP, sampling.TopK, sampling.Seed) : null);

    // OpenCompass keeps test_range in the dataset's reader_cfg; written only when set, as there.
    private static DatasetRecord DatasetEntry(EvaluationTask task, RunSettings settings) => new(
        task.Abbr,
        task.Config.Name,
        task.Version,
        task.Config.Mode.OpenCompassName(),
        (settings.TestRangePerConfig.GetValueOrDefault(task.Config.Name) ?? settings.TestRange)?.ToString());
}
