using EvalTests.Datasets;
using EvalTests.Judging;
using EvalTests.Models;
using EvalTests.Scoring;

namespace EvalTests.Runs;

/// <summary>What is refused before anything is asked or written: a mode the model cannot serve, a judged config without a judge, an unknown postprocessor, an unwritable work dir.</summary>
internal static class RunPreflight
{
    public static void Check(RunPlan plan, RunSettings settings, ILanguageModel model, ILanguageModel? judge)
    {
        if (settings.Mode != RunMode.Eval)
        {
            EnsureCapable(plan, model);
        }

        if (settings.Postprocessor is { } postprocessor)
        {
            AnswerPostprocessors.Get(postprocessor);
        }

        EnsureJudge(plan, settings, judge);
    }

    /// <summary>Fails before any model call when the run folder cannot be created or written, naming it.</summary>
    public static void EnsureWritable(string runFolder)
    {
        try
        {
            Directory.CreateDirectory(runFolder);
            var probe = Path.Combine(runFolder, $".write-probe-{Environment.ProcessId}");
            File.WriteAllText(probe, string.Empty);
            File.Delete(probe);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"Cannot write the run folder {Path.GetFullPath(runFolder)}: {ex.Message} Expected a writable work dir (--work-dir, or EvalTestsWorkDir in a test project).", ex);
        }
    }

    private static void EnsureCapable(RunPlan plan, ILanguageModel model)
    {
        var descriptor = model.Descriptor;
        foreach (var mode in plan.Tasks.Select(t => t.Config.Mode).Distinct())
        {
            var needed = mode == EvalMode.Gen ? ModelCapabilities.Generate : ModelCapabilities.LogLikelihood;
            if (!descriptor.Capabilities.HasFlag(needed))
            {
                var configs = string.Join(", ", plan.Tasks.Where(t => t.Config.Mode == mode).Select(t => t.Config.Name).Distinct());
                throw new NotSupportedException($"Model '{descriptor.Abbr}' cannot serve {mode.ToString().ToLowerInvariant()} mode ({configs}): it does not offer {needed}{(descriptor.Limitations is { } why ? $" ({why})" : string.Empty)}.");
            }
        }
    }

    /// <summary>Refuses a run that must judge answers without a judge, or a pairwise judge without a baseline.</summary>
    private static void EnsureJudge(RunPlan plan, RunSettings settings, ILanguageModel? judge)
    {
        if (settings.Mode == RunMode.Infer)
        {
            return;
        }

        var judged = plan.Tasks.Where(t => t.Config.Judge is not null).Select(t => t.Config.Name).Distinct().ToList();
        if (judged.Count > 0 && judge is null)
        {
            throw new ArgumentException($"{string.Join(", ", judged)} {(judged.Count == 1 ? "is" : "are")} judged by a model, and no judge was given: name one with --judge-model or --judge-base-url (or OC_JUDGE_MODEL / OC_JUDGE_API_BASE; an <EvalJudge> item in a test project), or run --mode infer now and --mode eval with a judge later.");
        }

        if (judge is not null && judged.Count > 0 && !judge.Descriptor.Capabilities.HasFlag(ModelCapabilities.Generate))
        {
            throw new NotSupportedException($"Judge '{judge.Descriptor.Abbr}' cannot generate text, so it cannot judge {string.Join(", ", judged)}.");
        }

        var pairwise = plan.Tasks.Where(t => t.Config.Judge?.Kind == JudgeKind.Pairwise).Select(t => t.Config.Name).Distinct().ToList();
        if (pairwise.Count > 0 && string.IsNullOrEmpty(settings.Baseline))
        {
            throw new ArgumentException($"{string.Join(", ", pairwise)} compare two models' answers: name the baseline model whose predictions are in the run folder (--baseline, or EvalTestsBaseline in a test project).");
        }
    }
}
