using System.Globalization;
using DiffPlex.DiffBuilder;
using DiffPlex.DiffBuilder.Model;
using EvalTests.Comparison;
using EvalTests.Xunit.ObjectModel;
using EvalTests.Xunit.Planning;
using EvalTests.Xunit.Reporting;
using Xunit;

namespace EvalTests.Xunit.Runners.Snapshots;

/// <summary>
/// Verify-style score snapshots, <c>&lt;model&gt;.&lt;config&gt;.verified.txt</c> beside the test project. The same model
/// identity must reproduce the scores (within the configured tolerance); another identity — a new model version — is
/// gated on the same questions by <see cref="ScoreComparer"/> and fails only on a significant drop larger than MaxDrop.
/// A failure writes <c>.received.txt</c>; <c>EVALTESTS_ACCEPT=1</c> makes this run the baseline.
/// </summary>
internal static class ScoreSnapshot
{
    public const string AcceptVariable = "EVALTESTS_ACCEPT";

    private static string AcceptHint => $"Accept the received scores as the baseline with {AcceptVariable}=1 (e.g. `{AcceptVariable}=1 dotnet test`), or copy the received file over the verified one.";

    public static void Verify(EvalCase target, ModelEvaluation evaluation, EvalPlanFile plan, ITestOutputHelper? output)
    {
        var verifiedPath = PathOf(plan, target.Model, target.ConfigShortName, "verified");
        var receivedPath = PathOf(plan, target.Model, target.ConfigShortName, "received");
        Directory.CreateDirectory(Path.GetDirectoryName(verifiedPath)!);
        var received = ScoreSnapshotFile.From(target, evaluation);
        var receivedText = received.Render();
        var accept = Environment.GetEnvironmentVariable(AcceptVariable) is "1" or "true";

        if (!File.Exists(verifiedPath))
        {
            Settle(target, verifiedPath, receivedPath, receivedText, accept, output, "no verified snapshot yet", diff: null);
            return;
        }

        var verifiedText = File.ReadAllText(verifiedPath).ReplaceLineEndings("\n");
        var verified = ScoreSnapshotFile.Parse(verifiedPath, verifiedText);
        if (verified.Identity == received.Identity)
        {
            if (Matches(verified, received, plan, out var reason))
            {
                File.Delete(receivedPath);
                if (accept && verifiedText != receivedText)
                {
                    // Accepting rewrites an equal baseline too: it records what an older format lacked (n, per-question outcomes).
                    File.WriteAllText(verifiedPath, receivedText);
                }

                output?.WriteLine($"snapshot {verifiedPath}: scores match{reason}");
                SessionReport.AddSnapshot(target.Model, received.Rows.Select(r => (r.Dataset, "same")));
                return;
            }

            Settle(target, verifiedPath, receivedPath, receivedText, accept, output, "scores changed for the same model identity", Diff(verifiedText, receivedText));
            return;
        }

        Gate(target, evaluation, plan, verified, received, verifiedPath, receivedPath, receivedText, accept, output);
    }

    /// <summary>
    /// The verified snapshots of a model's evaluated configs as one baseline (the HTML report compares the run with it);
    /// null when none is verified yet. A snapshot that cannot be read is left out: its own case reports it.
    /// </summary>
    public static ScoreSheet? Baseline(EvalPlanFile plan, ModelEvaluation evaluation)
    {
        var model = evaluation.Descriptor!.Abbr;
        var verified = evaluation.Plan!.Tasks.Select(t => t.Config).DistinctBy(c => c.Name)
            .Select(config => PathOf(plan, model, PlanCases.ShortName(config), "verified"))
            .Where(File.Exists)
            .Select(path => { try { return ScoreSnapshotFile.Parse(path, File.ReadAllText(path)); } catch (InvalidDataException) { return null; } })
            .OfType<ScoreSnapshotFile>()
            .ToList();
        return verified.Count == 0 ? null : new ScoreSheet(
            string.Join(", ", verified.Select(v => v.Identity).Distinct()),
            [.. verified.SelectMany(v => v.ToSheet([]).Rows)],
            verified.SelectMany(v => v.Outcomes).DistinctBy(o => o.Key).ToDictionary(o => o.Key, o => o.Value, StringComparer.Ordinal),
            evaluation.Plan.Groups);
    }

    /// <summary><c>&lt;snapshots&gt;/&lt;model&gt;.&lt;config&gt;.&lt;verified|received&gt;.txt</c>.</summary>
    private static string PathOf(EvalPlanFile plan, string model, string configShortName, string kind) =>
        Path.Combine(plan.SnapshotDirectory ?? Path.Combine(AppContext.BaseDirectory, "snapshots"), $"{model}.{configShortName}.{kind}.txt");

    /// <summary>Comparable (same identity, rows and versions) and every score within the tolerance.</summary>
    internal static bool Matches(string verified, string received, EvalPlanFile plan, out string reason) =>
        Matches(ScoreSnapshotFile.Parse("verified", verified), ScoreSnapshotFile.Parse("received", received), plan, out reason);

    private static bool Matches(ScoreSnapshotFile verified, ScoreSnapshotFile received, EvalPlanFile plan, out string reason)
    {
        reason = string.Empty;
        if ((verified.Model, verified.Identity, verified.Config) != (received.Model, received.Identity, received.Config) ||
            !verified.Rows.Select(r => r.Key).ToHashSet().SetEquals(received.Rows.Select(r => r.Key)))
        {
            return false;
        }

        var verifiedRows = verified.Rows.ToDictionary(r => r.Key, StringComparer.Ordinal);
        var exact = true;
        foreach (var row in received.Rows)
        {
            var old = verifiedRows[row.Key];
            if (row.Version != old.Version || row.Score is null != old.Score is null)
            {
                return false;
            }

            if (row.Score is { } s && old.Score is { } v)
            {
                exact &= s == v;
                var allowed = Math.Max(plan.SnapshotTolerancePoints, plan.SnapshotToleranceStandardErrors * (old.StandardError ?? 0));
                if (Math.Abs(s - v) > allowed + 1e-9)
                {
                    return false;
                }
            }
        }

        reason = exact ? " exactly" : string.Create(CultureInfo.InvariantCulture,
            $" within tolerance ({plan.SnapshotTolerancePoints:F2} points, {plan.SnapshotToleranceStandardErrors:F2} standard errors)");
        return true;
    }

    /// <summary>A new model identity: paired comparison with the baseline on the same questions.</summary>
    private static void Gate(EvalCase target, ModelEvaluation evaluation, EvalPlanFile plan, ScoreSnapshotFile verified, ScoreSnapshotFile received,
        string verifiedPath, string receivedPath, string receivedText, bool accept, ITestOutputHelper? output)
    {
        var settings = plan.GateFor(target);
        var groups = evaluation.Plan!.Groups;
        var changes = ScoreComparer.Compare(verified.ToSheet(groups), received.ToSheet(groups), settings);
        var table = ScoreComparer.ToText(verified.Identity, received.Identity, changes, settings);
        SessionReport.AddSnapshot(target.Model, changes.Select(c => (c.Dataset, Describe(c))));
        output?.WriteLine(table);

        if (accept)
        {
            File.WriteAllText(verifiedPath, receivedText);
            File.Delete(receivedPath);
            output?.WriteLine($"snapshot {verifiedPath}: this model version is the new baseline ({AcceptVariable})");
            return;
        }

        File.WriteAllText(receivedPath, receivedText);
        var regressions = changes.Where(c => c.Fails).ToList();
        var versions = changes.Where(ScoreComparer.VersionChanged).ToList();
        if (regressions.Count > 0 || versions.Count > 0)
        {
            var what = regressions.Count > 0
                ? $"significant drop beyond {settings.MaxDrop.ToString("0.##", CultureInfo.InvariantCulture)} points in {string.Join(", ", regressions.Select(c => c.Dataset))}"
                : $"the dataset changed since the baseline ({string.Join(", ", versions.Select(c => c.Dataset))}), so the scores are not comparable";
            Assert.Fail($"{target.Name} [{target.Model}, {target.ConfigShortName}]: {what}.{Environment.NewLine}{table}{Environment.NewLine}" +
                $"verified: {verifiedPath}{Environment.NewLine}received: {receivedPath}{Environment.NewLine}{AcceptHint}");
        }

        var gains = changes.Count(c => c.Verdict == ChangeVerdict.Gain);
        output?.WriteLine($"snapshot {verifiedPath}: a new model version with no significant drop beyond MaxDrop" +
            (gains > 0 ? $" and {gains} significant gain(s)" : string.Empty) +
            $"; the baseline stays until accepted (received: {receivedPath}). {AcceptHint}");
    }

    private static void Settle(EvalCase target, string verifiedPath, string receivedPath, string receivedText, bool accept, ITestOutputHelper? output, string problem, string? diff)
    {
        if (accept)
        {
            File.WriteAllText(verifiedPath, receivedText);
            File.Delete(receivedPath);
            output?.WriteLine($"snapshot {verifiedPath}: accepted ({AcceptVariable})");
            return;
        }

        File.WriteAllText(receivedPath, receivedText);
        Assert.Fail(
            $"{target.Name} [{target.Model}, {target.ConfigShortName}]: {problem}.{Environment.NewLine}" +
            $"verified: {verifiedPath}{Environment.NewLine}received: {receivedPath}{Environment.NewLine}" +
            (diff ?? receivedText) + Environment.NewLine + AcceptHint);
    }

    private static string Diff(string verified, string received) =>
        string.Join(Environment.NewLine, InlineDiffBuilder.Diff(verified, received).Lines
            .Where(l => l.Type != ChangeType.Unchanged)
            .Select(l => (l.Type == ChangeType.Inserted ? "+ " : "- ") + l.Text));

    private static string Describe(ScoreChange change) =>
        change.Verdict is ChangeVerdict.NotCompared or ChangeVerdict.Unchanged
            ? ScoreComparer.VerdictText(change.Verdict)
            : string.Create(CultureInfo.InvariantCulture, $"{ScoreComparer.VerdictText(change.Verdict)} ({change.Delta:+0.00;-0.00;0.00}, p={change.P:0.000})");
}
