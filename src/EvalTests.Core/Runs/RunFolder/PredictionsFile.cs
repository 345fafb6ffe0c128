using System.Globalization;
using System.Text.Json.Nodes;
using EvalTests.Scoring;

namespace EvalTests.Runs.RunFolder;

/// <summary>
/// <c>predictions/&lt;model&gt;/&lt;dataset&gt;.json</c> in OpenCompass's shapes — <c>{"0": {"origin_prompt", "prediction",
/// "gold"}}</c> for gen, <c>{"0": {"in-context examples", "origin_prompt", "label: A": {"testing input", "prompt",
/// "PPL"}, …, "prediction", "gold"}}</c> for ppl — written from a task and read back (eval mode, a pairwise baseline).
/// </summary>
internal static class PredictionsFile
{
    public static JsonObject ToJson(PreparedTask task)
    {
        var root = new JsonObject();
        for (var i = 0; i < task.Samples.Count; i++)
        {
            var key = i.ToString(CultureInfo.InvariantCulture);
            var gold = task.GoldOf(i);
            if (task.GenerationPrompts is { } prompts)
            {
                var output = task.Generations[i]!;
                var entry = new JsonObject
                {
                    ["origin_prompt"] = prompts[i].Prompt.ToPlainText(),
                    ["prediction"] = output.Text,
                    ["gold"] = gold,
                };
                if (output.Error is not null)
                {
                    entry["error"] = output.Error;
                }

                root[key] = entry;
                continue;
            }

            var labels = task.LabelPrompts![i];
            var scores = task.Scores[i].Select(s => s!).ToList();
            var examples = task.Prompter.RenderExamples(labels[^1].Shots);
            var item = new JsonObject { ["in-context examples"] = examples };
            for (var l = 0; l < labels.Count; l++)
            {
                var full = labels[l].Prompt.ToPlainText();
                // As OpenCompass: the testing input is the prompt with the examples' text removed.
                var testingInput = examples.Length > 0 ? full.Replace(examples, string.Empty, StringComparison.Ordinal) : full;
                item.TryAdd("origin_prompt", testingInput);
                item[$"label: {labels[l].Label}"] = new JsonObject
                {
                    ["testing input"] = testingInput,
                    ["prompt"] = full,
                    ["PPL"] = scores[l].Error is null ? scores[l].Ppl : null,
                };
            }

            var best = TaskScorer.LowestPpl(scores);
            var failed = scores.FirstOrDefault(s => s.Error is not null)?.Error;
            item["prediction"] = failed is null && best >= 0 ? labels[best].Label : string.Empty;
            item["gold"] = gold;
            if (failed is not null)
            {
                item["error"] = failed;
            }

            root[key] = item;
        }

        return root;
    }

    /// <summary>A predictions file an earlier run (or process) wrote, or an error naming it: <paramref name="whenMissing"/> when it does not exist.</summary>
    public static JsonObject Read(string path, string whenMissing)
    {
        try
        {
            return OutputJson.ReadObject(path, "a JSON object keyed by question index");
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new InvalidDataException($"{path}: {whenMissing}");
        }
    }

    /// <summary>A baseline model's gen answers, as a pairwise judge compares them.</summary>
    public static IReadOnlyList<string> ReadAnswers(string path, int count, string model, string abbr)
    {
        var root = Read(path, $"no predictions of the baseline model '{model}' for {abbr}; run the baseline on this run folder first (evaltests run --model {model} --mode infer --work-dir <work-dir> --reuse <timestamp>).");
        return Enumerable.Range(0, count).Select(i => root[i.ToString(CultureInfo.InvariantCulture)]?["prediction"]?.GetValue<string>()
            ?? throw new InvalidDataException($"{path}: the baseline '{model}' has no prediction for question {i} of {abbr}.")).ToList();
    }
}
