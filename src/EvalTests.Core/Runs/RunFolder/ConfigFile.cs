using System.Text.Json.Nodes;
using EvalTests.Datasets;
using EvalTests.Models;

namespace EvalTests.Runs.RunFolder;

/// <summary><c>configs/&lt;ts&gt;_&lt;pid&gt;.json</c>: the models, datasets with versions, summary groups and settings of a run.</summary>
internal static class ConfigFile
{
    public static JsonObject ToJson(RunPlan plan, RunSettings settings, RunOutputLayout layout, ModelDescriptor model, ModelDescriptor? judge) => new()
    {
        ["models"] = new JsonArray(new JsonObject
        {
            ["abbr"] = model.Abbr,
            ["identity"] = model.Identity,
            ["max_seq_len"] = model.MaxSequenceLength,
            ["batch_size"] = settings.AutoBatchSize ? "auto" : settings.BatchSize,
            ["max_out_len"] = settings.MaxOutLen,
        }),
        ["judge_models"] = judge is null ? new JsonArray() : new JsonArray(new JsonObject
        {
            ["abbr"] = judge.Abbr,
            ["identity"] = judge.Identity,
            ["max_out_len"] = settings.JudgeMaxOutLen,
        }),
        ["datasets"] = new JsonArray(plan.Tasks.Select(t => (JsonNode)new JsonObject
        {
            ["abbr"] = t.Abbr,
            ["config"] = t.Config.Name,
            ["version"] = t.Version,
            ["mode"] = t.Config.Mode.OpenCompassName(),
        }).ToArray()),
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
}
