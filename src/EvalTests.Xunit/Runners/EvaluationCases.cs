using System.Globalization;
using System.Text.Json;
using EvalTests.Reporting;
using EvalTests.Runs;
using EvalTests.Xunit.ObjectModel;
using EvalTests.Xunit.Planning;
using Xunit;

namespace EvalTests.Xunit.Runners;

/// <summary>The test class behind every evaluation case: reports the score and asserts thresholds, validity and snapshots.</summary>
public sealed class EvaluationCases
{
    /// <summary>Checks one evaluation case (the argument is the serialized <see cref="EvalCase"/>).</summary>
#pragma warning disable CA1822 // xUnit discovers and invokes it as an instance test method.
    public void Verify(string evalCase)
#pragma warning restore CA1822
    {
        var target = EvalCase.Deserialize(evalCase);
        if (target.Kind == EvalCaseKind.PlanError)
        {
            Assert.Fail(target.Abbr);
        }

        var evaluation = EvaluationSession.For(target.Model)
            ?? throw new InvalidOperationException($"{target.Model} was not evaluated; the EvalTests framework did not prepare this case.");
        if (evaluation.Failure is { } failure)
        {
            Assert.Fail($"{target.Name}: the evaluation of model {target.Model} failed: {failure.Message}");
        }

        var plan = EvaluationSession.Plan;
        var result = evaluation.Result!;
        var output = TestContext.Current.TestOutputHelper;
        output?.WriteLine($"model {target.Model} ({evaluation.Descriptor!.Identity}); model loads in this run: {EvaluationSession.ModelLoads}");
        if (result.MeasuredBatchSizes.Count > 0)
        {
            output?.WriteLine($"batch size (auto): {string.Join(", ", result.MeasuredBatchSizes.Select(m => $"{m.Key.ToString().ToLowerInvariant()} {m.Value}"))}");
        }
        if (target.Kind == EvalCaseKind.Snapshot)
        {
            ScoreSnapshot.Verify(target, evaluation, plan, output);
            return;
        }

        var (accuracy, standardError, total, invalid, firstError) = Score(target, evaluation.Plan!, result);
        var mode = result.Tasks.First(t => t.Task.Config.Name == target.Config).Score.Mode;
        output?.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"RESULT {target.Name} model={target.Model} mode={mode} accuracy={accuracy:F2} stderr={standardError:F2} n={total} invalid={invalid}"));
        TestContext.Current.AddAttachment($"{target.Name}.{target.Model}.{target.ConfigShortName}.json", JsonSerializer.Serialize(new
        {
            dataset = target.Name,
            model = target.Model,
            mode,
            accuracy,
            stderr = standardError,
            n = total,
            invalid,
        }));

        var details = string.Create(CultureInfo.InvariantCulture, $"n={total}, model {target.Model}, mode {mode}");
        if (InvalidAnswers(target.Name, total, invalid, plan.MaxInvalidFraction, details, firstError) is { } invalidMessage)
        {
            Assert.Fail(invalidMessage);
        }

        foreach (var threshold in plan.Thresholds.Where(t => Applies(t, target, mode)))
        {
            if (BelowThreshold(target.Name, accuracy, threshold.MinAccuracy, details) is { } belowMessage)
            {
                Assert.Fail(belowMessage);
            }
        }
    }

    /// <summary>Why a score misses its threshold; null when it meets it. No score (NaN: every judgement unparsed) meets none.</summary>
    internal static string? BelowThreshold(string name, double score, double minimum, string details) =>
        double.IsNaN(score)
            ? string.Create(CultureInfo.InvariantCulture, $"{name}: no score (nothing could be scored), threshold {minimum:F2} ({details})")
            : score < minimum
                ? string.Create(CultureInfo.InvariantCulture, $"{name}: accuracy {score:F2} < {minimum:F2} ({details})")
                : null;

    /// <summary>Why a subset fails for too many unparsed or errored answers, whatever its accuracy; null when it does not.</summary>
    internal static string? InvalidAnswers(string name, int total, int invalid, double maxFraction, string details, string? firstError) =>
        total > 0 && invalid > maxFraction * total
            ? string.Create(CultureInfo.InvariantCulture,
                $"{name}: {invalid} of {total} questions unparsed or errored ({100.0 * invalid / total:F0}%), more than the {100 * maxFraction:F0}% allowed ({details}){(firstError is null ? string.Empty : $"; first error: {firstError}")}")
            : null;

    private static bool Applies(PlannedThreshold threshold, EvalCase target, string mode) =>
        threshold.Target == target.Name &&
        (string.IsNullOrEmpty(threshold.Model) || threshold.Model == target.Model) &&
        (string.IsNullOrEmpty(threshold.Mode) || threshold.Mode == mode);

    private static (double Accuracy, double StandardError, int Total, int Invalid, string? FirstError) Score(EvalCase target, RunPlan plan, RunResult result)
    {
        if (target.Kind == EvalCaseKind.Subset)
        {
            var task = result.Tasks.Single(t => t.Task.Abbr == target.Abbr);
            var s = task.Score.Score;
            return (s.Value, s.ValueStandardError, s.Total, s.Unparsed + s.Errored, task.Samples.FirstOrDefault(x => x.Error is not null)?.Error);
        }

        var row = result.Summary.Rows.SingleOrDefault(r => r.Dataset == target.Abbr && r.Metric == "naive_average")
            ?? throw new InvalidOperationException($"{target.Name}: the group has no score; a member subset is missing.");
        var members = plan.Groups.Single(g => g.Name == target.Abbr).Members.ToHashSet(StringComparer.Ordinal);
        var group = result.Tasks.Where(t => members.Contains(t.Task.Abbr)).ToList();
        return (row.Scores[0]!.Value, row.StandardErrors[0]!.Value, group.Sum(t => t.Score.Score.Total),
            group.Sum(t => t.Score.Score.Unparsed + t.Score.Score.Errored), group.SelectMany(t => t.Samples).FirstOrDefault(x => x.Error is not null)?.Error);
    }
}
