using System.Text.Json.Nodes;
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
        var config = ToJson(plan, settings, layout, model, judge);
        if (File.Exists(path) && OutputJson.ReadObject(path)["models"] is JsonArray earlier)
        {
            var models = new JsonArray([.. earlier.OfType<JsonObject>().Where(m => (string?)m["abbr"] != model.Abbr).Select(m => m.DeepClone())]);
            foreach (var current in (JsonArray)config["models"]!)
            {
                models.Add(current!.DeepClone());
            }

            config["models"] = models;
        }

        await OutputJson.WriteAsync(path, config, cancellationToken).ConfigureAwait(false);
    }

    public static JsonObject ToJson(RunPlan plan, RunSettings settings, RunOutputLayout layout, ModelDescriptor model, ModelDescriptor? judge) => new()
    {
        ["models"] = new JsonArray(ModelEntry(model, settings)),
        ["judge_models"] = judge is null ? new JsonArray() : new JsonArray(new JsonObject
        {
            ["abbr"] = judge.Abbr,
            ["identity"] = judge.Identity,
            ["max_out_len"] = settings.JudgeMaxOutLen,
        }),
        ["datasets"] = new JsonArray(plan.Tasks.Select(t => (JsonNode)DatasetEntry(t, settings)).ToArray()),
        ["summarizer"] = new JsonObject
        {
            ["summary_groups"] = new JsonArray(plan.Groups.Select(g => (JsonNode)new JsonObject
            {
                ["name"] = g.Name,
                ["subsets"] = new JsonArray(g.Members.Select(m => (JsonNode)JsonValue.Create(m)!).ToArray()),
            }).ToArray()),
        },
        ["work_dir"] = Path.GetFullPath(layout.RunFolder),
        ["limit"] = settings.Limit,
        ["max_seq_len_override"] = settings.MaxSeqLen,
    };

    private static JsonObject ModelEntry(ModelDescriptor model, RunSettings settings)
    {
        var entry = new JsonObject
        {
            ["abbr"] = model.Abbr,
            ["identity"] = model.Identity,
            ["max_seq_len"] = model.MaxSequenceLength,
            ["batch_size"] = settings.AutoBatchSize ? "auto" : settings.BatchSize,
            ["max_out_len"] = settings.MaxOutLen,
        };
        // OpenCompass's generation_kwargs: written only when the run samples, so a greedy run's config is as before.
        if (settings.Sampling is { } sampling)
        {
            entry["generation_kwargs"] = new JsonObject
            {
                ["do_sample"] = true,
                ["temperature"] = sampling.Temperature,
                ["top_p"] = sampling.TopP,
                ["top_k"] = sampling.TopK,
                ["seed"] = sampling.Seed,
            };
        }

        return entry;
    }

    private static JsonObject DatasetEntry(EvaluationTask task, RunSettings settings)
    {
        var entry = new JsonObject
        {
            ["abbr"] = task.Abbr,
            ["config"] = task.Config.Name,
            ["version"] = task.Version,
            ["mode"] = task.Config.Mode.OpenCompassName(),
        };
        // OpenCompass keeps test_range in the dataset's reader_cfg; written only when set, as there.
        if ((settings.TestRangePerConfig.GetValueOrDefault(task.Config.Name) ?? settings.TestRange) is { } range)
        {
            entry["test_range"] = range.ToString();
        }

        return entry;
    }
}
