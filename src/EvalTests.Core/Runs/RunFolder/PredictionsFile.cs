using System.Globalization;
using System.Text.Json;
using EvalTests.Models;
using EvalTests.Prompts;
using EvalTests.Scoring;

namespace EvalTests.Runs.RunFolder;

/// <summary>
/// <c>predictions/&lt;model&gt;/&lt;dataset&gt;.json</c> in OpenCompass's shapes — <c>{"0": {"origin_prompt", "prediction",
/// "gold"}}</c> for gen, <c>{"0": {"in-context examples", "origin_prompt", "label: A": {"testing input", "prompt",
/// "PPL"}, …, "prediction", "gold"}}</c> for ppl — written from a task and read back (eval mode, a pairwise baseline).
/// </summary>
internal static class PredictionsFile
{
    /// <summary>Every question's prediction record, keyed by index as OpenCompass writes them.</summary>
    public static Dictionary<string, PredictionRecord> ToRecords(PreparedTask task)
    {
        var records = new Dictionary<string, PredictionRecord>(StringComparer.Ordinal);
        for (var i = 0; i < task.Samples.Count; i++)
        {
            records[i.ToString(CultureInfo.InvariantCulture)] = task.GenerationPrompts is { } prompts ? Generated(prompts[i], task.Generations[i]!, task.GoldOf(i)) : Scored(task, i);
        }

        return records;
    }

    /// <summary>The predictions file's text (OpenCompass's layout).</summary>
    public static string Serialize(Dictionary<string, PredictionRecord> records) =>
        JsonSerializer.Serialize(records, RunFolderJsonContext.Readable.DictionaryStringPredictionRecord);

    private static PredictionRecord Generated(RenderedPrompt prompt, GenerationResult output, string gold) =>
        new(prompt.Prompt.ToPlainText(), output.Text, gold, output.Error);

    private static PredictionRecord Scored(PreparedTask task, int sample)
    {
        var labels = task.LabelPrompts![sample];
        var scores = task.Scores[sample].Select(s => s!).ToList();
        var examples = task.Prompter.RenderExamples(labels[^1].Shots);
        var options = labels.Select((label, l) =>
        {
            var full = label.Prompt.ToPlainText();
            // As OpenCompass: the testing input is the prompt with the examples' text removed.
            var testingInput = examples.Length > 0 ? full.Replace(examples, string.Empty, StringComparison.Ordinal) : full;
            return new LabelPredictionRecord(label.Label, testingInput, full, scores[l].Error is null ? scores[l].Ppl : null);
        }).ToList();

        var best = TaskScorer.LowestPpl(scores);
        var failed = scores.FirstOrDefault(s => s.Error is not null)?.Error;
        return new PredictionRecord(options.Count > 0 ? options[0].TestingInput : string.Empty, failed is null && best >= 0 ? labels[best].Label : string.Empty, task.GoldOf(sample), failed)
        {
            InContextExamples = examples,
            Labels = options,
        };
    }

    /// <summary>A predictions file an earlier run (or process) wrote, or an error naming it: <paramref name="whenMissing"/> when it does not exist.</summary>
    /// <exception cref="InvalidDataException">Missing, not JSON, or not a predictions file; the message names the file.</exception>
    public static IReadOnlyDictionary<string, PredictionRecord> Read(string path, string whenMissing)
    {
        try
        {
            return OutputJson.Read(path, RunFolderJsonContext.Readable.DictionaryStringPredictionRecord, "a JSON object keyed by question index");
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new InvalidDataException($"{path}: {whenMissing}");
        }
    }

    /// <summary>A baseline model's gen answers, as a pairwise judge compares them.</summary>
    public static IReadOnlyList<string> ReadAnswers(string path, int count, string model, string abbr)
    {
        var records = Read(path, $"no predictions of the baseline model '{model}' for {abbr}; run the baseline on this run folder first (evaltests run --model {model} --mode infer --work-dir <work-dir> --reuse <timestamp>).");
        return Enumerable.Range(0, count).Select(i => records.GetValueOrDefault(i.ToString(CultureInfo.InvariantCulture))?.Prediction
            ?? throw new InvalidDataException($"{path}: the baseline '{model}' has no prediction for question {i} of {abbr}.")).ToList();
    }
}
