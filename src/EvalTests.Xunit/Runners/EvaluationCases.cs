using System.Globalization;
using System.Text.Json;
using EvalTests.Comparison;
using EvalTests.Reporting;
using EvalTests.Runs;
using EvalTests.Xunit.ObjectModel;
using EvalTests.Xunit.Planning;
using EvalTests.Xunit.Reporting;
using EvalTests.Xunit.Runners.Snapshots;
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
        var thresholds = plan.Thresholds.Where(t => Applies(t, target, mode)).ToList();
        var failures = new List<string>();
        if (InvalidAnswers(target.Name, total, invalid, plan.MaxInvalidFraction, details, firstError) is { } invalidMessage)
        {
            failures.Add(invalidMessage);
        }

        foreach (var threshold in thresholds)
        {
            var below = threshold.Confidence is { } confidence
                ? BelowWithConfidence(target, evaluation.Plan!, result, threshold.MinAccuracy, confidence, accuracy, details)
                : BelowThreshold(target.Name, accuracy, threshold.MinAccuracy, details);
            if (below is not null)
            {
                failures.Add(below);
            }
        }

        SessionReport.AddCase(new CaseReport(target.Abbr, target.Model, mode, accuracy, standardError, total,
            thresholds.Count == 0 ? "-" : string.Join(", ", thresholds.Select(Describe)), failures.Count == 0 ? "pass" : "FAIL"));
        if (failures.Count > 0)
        {
            Assert.Fail(string.Join(Environment.NewLine, failures));
        }
    }

    private static string Describe(PlannedThreshold threshold) => threshold.Confidence is { } confidence
        ? string.Create(CultureInfo.InvariantCulture, $">= {threshold.MinAccuracy:0.##} @{confidence:0.###}")
        : string.Create(CultureInfo.InvariantCulture, $">= {threshold.MinAccuracy:0.##}");

    /// <summary>
    /// A noise-aware threshold: fails only when the score is below the minimum with the confidence — for a subset the
    /// exact binomial tail, for a group the bootstrap upper bound of its naive average. Null when it passes.
    /// </summary>
    private static string? BelowWithConfidence(EvalCase target, RunPlan plan, RunResult result, double minimum, double confidence, double accuracy, string details)
    {
        if (double.IsNaN(accuracy))
        {
            return BelowThreshold(target.Name, accuracy, minimum, details);
        }

        if (target.Kind == EvalCaseKind.Subset)
        {
            var score = result.Tasks.Single(t => t.Task.Abbr == target.Abbr).Score.Score;
            var p = ThresholdTest.SubsetP(score.Correct, score.Total, minimum);
            return p < 1 - confidence
                ? string.Create(CultureInfo.InvariantCulture,
                    $"{target.Name}: accuracy {accuracy:F2} is below {minimum:F2} with confidence {confidence:0.###} (exact binomial p = {p:0.0000}, {score.Correct} of {score.Total}) ({details})")
                : null;
        }

        var members = plan.Groups.Single(g => g.Name == target.Abbr).Members.ToHashSet(StringComparer.Ordinal);
        var subsets = result.Tasks.Where(t => members.Contains(t.Task.Abbr))
            .Select(t => (IReadOnlyList<double>)[.. t.Samples.Select(s => s.Outcome == Scoring.SampleOutcome.Correct ? 1.0 : 0.0)])
            .ToList();
        return ThresholdTest.GroupBelow(subsets, minimum, confidence, out var bound)
            ? string.Create(CultureInfo.InvariantCulture,
                $"{target.Name}: average {accuracy:F2} is below {minimum:F2} with confidence {confidence:0.###} (bootstrap upper bound {bound:F2}) ({details})")
            : null;
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

    internal static (double Accuracy, double StandardError, int Total, int Invalid, string? FirstError) Score(EvalCase target, RunPlan plan, RunResult result)
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
