using EvalTests.Scoring;
using EvalTests.Xunit.ObjectModel;

namespace EvalTests.Xunit.Runners;

/// <summary>The <see cref="SubsetResult"/> of a planned subset or group, from this test run's evaluation.</summary>
internal static class SubsetResults
{
    public static SubsetResult Of(EvalCase target)
    {
        var evaluation = EvaluationSession.For(target.Model)
            ?? throw new InvalidOperationException($"{target.Model} was not evaluated; the EvalTests framework did not prepare this case.");
        if (evaluation.Failure is { } failure)
        {
            throw new InvalidOperationException($"{target.Name}: the evaluation of model {target.Model} failed: {failure.Message}", failure);
        }

        var result = evaluation.Result!;
        var (score, standardError, total, invalid, _) = EvaluationCases.Score(target, evaluation.Plan!, result);
        var members = target.Kind == EvalCaseKind.Group
            ? evaluation.Plan!.Groups.Single(g => g.Name == target.Abbr).Members
            : [target.Abbr];
        var tasks = members.Select(m => result.Tasks.Single(t => t.Task.Abbr == m)).ToList();
        return new SubsetResult(target.Name, target.Model, target.ConfigShortName, tasks[0].Score.Mode, target.Kind == EvalCaseKind.Group,
            score, standardError, total, invalid, [.. tasks.SelectMany(t => t.Samples.OrderBy(s => s.Index).Select(s => s.Outcome))]);
    }
}
