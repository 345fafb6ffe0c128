using EvalTests.Scoring;

namespace EvalTests.Runs;

/// <summary>One task as progress reporting sees it.</summary>
/// <param name="Abbr">The dataset abbreviation.</param>
/// <param name="Samples">The number of questions.</param>
public sealed record TaskProgressInfo(string Abbr, int Samples);

/// <summary>Receives progress of a run; front ends render it (progress bars, test output).</summary>
public interface IRunProgress
{
    /// <summary>The run is planned and its tasks are known.</summary>
    void RunStarted(IReadOnlyList<TaskProgressInfo> tasks);

    /// <summary>More questions of a task are answered.</summary>
    void SamplesCompleted(string abbr, int count);

    /// <summary>A task is answered and scored.</summary>
    void TaskCompleted(string abbr, SubsetScore score);
}

/// <summary>Progress that goes nowhere.</summary>
public sealed class NullRunProgress : IRunProgress
{
    /// <summary>The shared instance.</summary>
    public static readonly NullRunProgress Instance = new();

    /// <inheritdoc/>
    public void RunStarted(IReadOnlyList<TaskProgressInfo> tasks)
    {
    }

    /// <inheritdoc/>
    public void SamplesCompleted(string abbr, int count)
    {
    }

    /// <inheritdoc/>
    public void TaskCompleted(string abbr, SubsetScore score)
    {
    }
}
