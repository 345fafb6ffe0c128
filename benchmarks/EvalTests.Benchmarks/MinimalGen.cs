using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;

namespace EvalTests.Benchmarks;

/// <summary>
/// The least work greedy generation needs, written against the bare ONNX Runtime API: per subject, its shared prefix
/// (the few-shot examples) run once; each question's own text once on that prefix's KV cache; then one token per pass
/// on the question's growing cache until an end-of-sequence id or <c>max_out_len</c> tokens.
/// </summary>
internal static class MinimalGen
{
    /// <summary>The positions the plan runs, the tokens it generated, a checksum of them, and the loop's time.</summary>
    public sealed record Outcome(long Positions, long Generated, long Checksum, TimeSpan Elapsed);

    /// <param name="session">The decoder graph.</param>
    /// <param name="subjects">subject → each question's prompt ids.</param>
    /// <param name="maxNewTokens">The most tokens per answer.</param>
    /// <param name="eos">The ids that end an answer.</param>
    public static Outcome Run(InferenceSession session, IReadOnlyList<IReadOnlyList<int[]>> subjects, int maxNewTokens, IReadOnlySet<int> eos)
    {
        var graph = new BareGraph(session);
        var clock = Stopwatch.StartNew();
        long positions = 0, generated = 0, checksum = 0;
        foreach (var prompts in subjects)
        {
            var shared = BareGraph.CommonPrefix(prompts);
            using var subject = graph.Run(prompts[0][..shared], past: null, start: 0, keepPresent: true);
            positions += shared;
            foreach (var prompt in prompts)
            {
                var step = graph.Run(prompt[shared..], subject.Present, shared, keepPresent: true);
                positions += prompt.Length - shared;
                var length = prompt.Length;
                try
                {
                    for (var n = 1; ; n++)
                    {
                        var token = step.ArgMaxNext();
                        generated++;
                        checksum = (checksum * 31) + token;
                        if (eos.Contains(token) || n == maxNewTokens)
                        {
                            break;
                        }

                        var next = graph.Run([token], step.Present, length, keepPresent: true);
                        step.Dispose();
                        step = next;
                        positions++;
                        length++;
                    }
                }
                finally
                {
                    step.Dispose();
                }
            }
        }

        return new Outcome(positions, generated, checksum, clock.Elapsed);
    }
}
