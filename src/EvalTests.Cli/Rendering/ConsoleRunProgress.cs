using System.Diagnostics;
using System.Globalization;
using EvalTests.Runs;
using EvalTests.Scoring;

namespace EvalTests.Cli.Rendering;

/// <summary>
/// Progress as plain lines: one per finished dataset with its score, and a line per config and overall at most every
/// few seconds with samples/s and an ETA. Plain text works in terminals, CI logs and redirected output alike.
/// </summary>
internal sealed class ConsoleRunProgress(TextWriter output, Func<string, string> groupOf, TimeSpan interval) : IRunProgress
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Dictionary<string, (int Done, int Total)> _groups = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private TimeSpan _lastPrint = TimeSpan.Zero;
    private int _done;
    private int _total;

    public void RunStarted(IReadOnlyList<TaskProgressInfo> tasks)
    {
        lock (_lock)
        {
            foreach (var task in tasks)
            {
                var group = groupOf(task.Abbr);
                var current = _groups.GetValueOrDefault(group);
                _groups[group] = (0, current.Total + task.Samples);
                _total += task.Samples;
            }

            output.WriteLine($"Evaluating {_total} questions in {tasks.Count} datasets ({string.Join(", ", _groups.Select(g => $"{g.Key}: {g.Value.Total}"))}).");
        }
    }

    public void SamplesCompleted(string abbr, int count)
    {
        lock (_lock)
        {
            var group = groupOf(abbr);
            var current = _groups[group];
            _groups[group] = (current.Done + count, current.Total);
            _done += count;
            if (_clock.Elapsed - _lastPrint >= interval || _done == _total)
            {
                _lastPrint = _clock.Elapsed;
                var rate = _done / Math.Max(_clock.Elapsed.TotalSeconds, 1e-9);
                var parts = _groups.Select(g => $"{g.Key} {g.Value.Done}/{g.Value.Total}");
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"[{_clock.Elapsed:hh\\:mm\\:ss}] {string.Join(" | ", parts)} | overall {_done}/{_total} ({100.0 * _done / Math.Max(_total, 1):F0}%), {rate:F1} samples/s, ETA {Eta(rate):hh\\:mm\\:ss}"));
            }
        }
    }

    public void TaskCompleted(string abbr, SubsetScore score)
    {
        lock (_lock)
        {
            var flags = score.Unparsed + score.Errored > 0 ? $" ({score.Unparsed} unparsed, {score.Errored} errored)" : string.Empty;
            output.WriteLine($"  done {abbr}: {ScoreText.Of(score)}{flags}");
        }
    }

    private TimeSpan Eta(double rate) => rate <= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds((_total - _done) / rate);
}
