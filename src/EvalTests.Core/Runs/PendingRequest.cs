using System.Text.Json.Nodes;
using EvalTests.Models;
using EvalTests.Prompts;

namespace EvalTests.Runs;

/// <summary>
/// One request of the run: the task and sample it belongs to (and the label, or a judgement's slot), its length for
/// batching, and its <see cref="RequestKey"/>. A generation or a log-likelihood request, never both.
/// </summary>
internal abstract record PendingRequest(PreparedTask Owner, int Sample, int Label, int Length, string Key)
{
    /// <summary>Whether this asks the judge about an answer (<see cref="Label"/> is then the judgement's slot).</summary>
    public bool IsJudgement { get; init; }

    /// <summary>The prompt asked.</summary>
    public abstract Prompt Prompt { get; }

    /// <summary>Completes the request with a stored answer (a checkpoint line); false when the stored value is not one.</summary>
    public abstract bool Replay(JsonNode stored);
}

/// <summary>A prompt to complete.</summary>
internal sealed record PendingGeneration(PreparedTask Owner, int Sample, int Label, int Length, GenerationRequest Request, string Key)
    : PendingRequest(Owner, Sample, Label, Length, Key)
{
    public override Prompt Prompt => Request.Prompt;

    public void Complete(GenerationResult result) => Owner.Complete(this, result);

    public override bool Replay(JsonNode stored)
    {
        if (ResultJson.Generation(stored) is not { } generated)
        {
            return false;
        }

        Complete(generated);
        return true;
    }
}

/// <summary>A prompt (one label's) to score.</summary>
internal sealed record PendingScoring(PreparedTask Owner, int Sample, int Label, int Length, LogLikelihoodRequest Request, string Key)
    : PendingRequest(Owner, Sample, Label, Length, Key)
{
    public override Prompt Prompt => Request.Prompt;

    public void Complete(LogLikelihoodResult result) => Owner.Complete(this, result);

    public override bool Replay(JsonNode stored)
    {
        if (ResultJson.LogLikelihood(stored) is not { } scored)
        {
            return false;
        }

        Complete(scored);
        return true;
    }
}
