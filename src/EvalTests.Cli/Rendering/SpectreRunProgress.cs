using System.Globalization;
using EvalTests.Runs;
using EvalTests.Scoring;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace EvalTests.Cli.Rendering;

/// <summary>Live progress bars in an interactive terminal: one per config and one overall, with samples/s and ETA.</summary>
internal sealed class SpectreRunProgress(ProgressContext context, Func<string, string> groupOf) : IRunProgress
{
    private readonly Dictionary<string, ProgressTask> _bars = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private ProgressTask? _overall;

    public static Progress Create(IAnsiConsole console) => console.Progress()
        .AutoClear(false)
        .Columns(
            new TaskDescriptionColumn { Alignment = Justify.Left },
            new ProgressBarColumn(),
            new PercentageColumn(),
            new SamplesPerSecondColumn(),
            new RemainingTimeColumn(),
            new ElapsedTimeColumn());

    public void RunStarted(IReadOnlyList<TaskProgressInfo> tasks)
    {
        lock (_lock)
        {
            foreach (var group in tasks.GroupBy(t => groupOf(t.Abbr)))
            {
                _bars[group.Key] = context.AddTask(group.Key, maxValue: group.Sum(t => t.Samples));
            }

            _overall = context.AddTask("[bold]overall[/]", maxValue: Math.Max(1, tasks.Sum(t => t.Samples)));
        }
    }

    public void SamplesCompleted(string abbr, int count)
    {
        lock (_lock)
        {
            _bars[groupOf(abbr)].Increment(count);
            _overall!.Increment(count);
        }
    }

    public void TaskCompleted(string abbr, SubsetScore score)
    {
        var flags = score.Unparsed + score.Errored > 0 ? $" [yellow]({score.Unparsed} unparsed, {score.Errored} errored)[/]" : string.Empty;
        AnsiConsole.MarkupLine($"  [grey]done[/] {Markup.Escape(abbr)}: {Markup.Escape(ScoreText.Of(score))}{flags}");
    }

    private sealed class SamplesPerSecondColumn : ProgressColumn
    {
        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime) =>
            new Text(task.Speed is { } speed ? string.Create(CultureInfo.InvariantCulture, $"{speed,7:F1} samples/s") : "      - samples/s");
    }
}
