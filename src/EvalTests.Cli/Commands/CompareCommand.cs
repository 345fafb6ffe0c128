using System.CommandLine;
using System.Globalization;
using EvalTests.Comparison;
using EvalTests.Reporting;
using EvalTests.Runs.RunFolder;

namespace EvalTests.Cli.Commands;

/// <summary>
/// <c>evaltests compare</c>: two run folders (or two models of one) compared per subset and group on the same
/// questions — the regression gate of the xUnit framework, from the command line. Exits 1 on a significant drop
/// larger than <c>--max-drop</c>, so CI can gate with it.
/// </summary>
internal static class CompareCommand
{
    public static Command Create(TextWriter output)
    {
        var baseline = new Argument<string>("baseline") { Description = "The baseline's run folder (<work-dir>/<timestamp>)." };
        var candidate = new Argument<string?>("candidate") { Description = "The candidate's run folder; omit it to compare two --models of the baseline's run.", Arity = ArgumentArity.ZeroOrOne };
        var models = new Option<string[]>("--models") { Description = "The baseline's model, then the candidate's (default: each folder's only model).", AllowMultipleArgumentsPerToken = true };
        var maxDrop = new Option<double>("--max-drop") { Description = "The largest drop in points that passes even when significant.", DefaultValueFactory = _ => 0 };
        var confidence = new Option<double>("--confidence") { Description = "The confidence a drop must be significant at to fail.", DefaultValueFactory = _ => 0.95 };
        var format = new Option<string>("--format") { Description = "text, csv or markdown.", DefaultValueFactory = _ => "text" };
        format.AcceptOnlyFromAmong("text", "csv", "markdown");
        var command = new Command("compare", "Compare two runs (or two models of a run) per subset and group with paired tests; exit 1 on a significant drop beyond --max-drop.")
        {
            baseline, candidate, models, maxDrop, confidence, format,
        };

        command.SetAction(parse =>
        {
            var settings = new GateSettings(parse.GetValue(maxDrop), parse.GetValue(confidence));
            if (settings.Confidence is <= 0 or >= 1 || settings.MaxDrop < 0)
            {
                throw new ArgumentException($"--confidence must lie between 0 and 1 (got {settings.Confidence.ToString(CultureInfo.InvariantCulture)}) and --max-drop be 0 or more (got {settings.MaxDrop.ToString(CultureInfo.InvariantCulture)}).");
            }

            var baselineRun = FinishedRun.Read(parse.GetValue(baseline)!);
            var candidateRun = parse.GetValue(candidate) is { } other ? FinishedRun.Read(other) : null;
            var (baselineModel, candidateModel) = PickModels(baselineRun, candidateRun, parse.GetValue(models) ?? []);
            var old = baselineRun.Sheet(baselineModel);
            var now = (candidateRun ?? baselineRun).Sheet(candidateModel);
            var changes = ScoreComparer.Compare(old, now, settings);
            output.Write(parse.GetValue(format) switch
            {
                "csv" => Tabulate.Csv(ScoreComparer.Table(changes)),
                "markdown" => Tabulate.Markdown(ScoreComparer.Table(changes)),
                _ => ScoreComparer.ToText($"{baselineModel} ({old.Identity})", $"{candidateModel} ({now.Identity})", changes, settings) + Environment.NewLine,
            });

            var regressions = changes.Where(c => c.Fails).Select(c => c.Dataset).ToList();
            var gains = changes.Count(c => c.Verdict == ChangeVerdict.Gain);
            var points = settings.MaxDrop.ToString("0.##", CultureInfo.InvariantCulture);
            output.WriteLine(regressions.Count > 0
                ? $"{regressions.Count} significant drop(s) beyond {points} points: {string.Join(", ", regressions)}"
                : $"No significant drop beyond {points} points; {gains} significant gain(s).");
            return regressions.Count > 0 ? 1 : 0;
        });
        return command;
    }

    private static (string Baseline, string Candidate) PickModels(FinishedRun baseline, FinishedRun? candidate, string[] models) => models switch
    {
        [var first, var second] => (first, second),
        { Length: > 2 } => throw new ArgumentException($"--models takes the baseline's model and the candidate's, got {models.Length}: {string.Join(' ', models)}."),
        _ when candidate is null => throw new ArgumentException(
            $"Comparing two models of one run needs --models <baseline> <candidate> (models in {baseline.Layout.RunFolder}: {string.Join(", ", baseline.Models)})."),
        [var both] => (both, both),
        _ => (Only(baseline), Only(candidate)),
    };

    private static string Only(FinishedRun run) => run.Models switch
    {
        [var model] => model,
        var several => throw new ArgumentException($"{run.Layout.RunFolder} holds results of {several.Count} models ({string.Join(", ", several)}); name them with --models <baseline> <candidate>."),
    };
}
