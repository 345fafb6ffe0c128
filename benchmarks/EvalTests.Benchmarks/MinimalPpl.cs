using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;

namespace EvalTests.Benchmarks;

/// <summary>
/// The least work ppl scoring needs, written against the bare ONNX Runtime API and nothing of ours: per subject, its
/// shared prefix (the few-shot examples) run once; each question's own text once, on that prefix's KV cache; each
/// option's tail on its question's cache. Every present is passed back as the next past as it is (no copy), every
/// scored position's log-softmax taken once, and each option's log-likelihood summed.
/// </summary>
internal static class MinimalPpl
{
    /// <summary>The token positions the plan runs, the summed log-likelihood of every option (a checksum), and the loop's time.</summary>
    public sealed record Outcome(long Positions, double LogLikelihoodSum, TimeSpan Elapsed);

    /// <param name="session">The decoder graph.</param>
    /// <param name="subjects">subject → question → each option's whole token sequence.</param>
    public static Outcome Run(InferenceSession session, IReadOnlyList<IReadOnlyList<IReadOnlyList<int[]>>> subjects)
    {
        var graph = new BareGraph(session);
        var clock = Stopwatch.StartNew();
        long positions = 0;
        var sum = 0.0;
        foreach (var questions in subjects)
        {
            var all = questions.SelectMany(q => q).ToList();
            var shared = BareGraph.CommonPrefix(all);
            using var subject = graph.Run(all[0][..shared], past: null, start: 0, keepPresent: true);
            positions += shared;
            var subjectScore = subject.ScoreOwn(all[0], 0, shared);
            foreach (var options in questions)
            {
                var own = BareGraph.CommonPrefix(options);
                // A subject of one question: its prefix is the question's.
                using var ownPass = own > shared ? graph.Run(options[0][shared..own], subject.Present, shared, keepPresent: true) : null;
                var question = ownPass ?? subject;
                positions += own - shared;
                var questionScore = ownPass is null ? subjectScore : subjectScore + subject.ScoreNext(options[0][shared]) + ownPass.ScoreOwn(options[0], shared, own);
                foreach (var option in options)
                {
                    using var tail = graph.Run(option[own..], question.Present, own, keepPresent: false);
                    positions += option.Length - own;
                    sum += questionScore + question.ScoreNext(option[own]) + tail.ScoreOwn(option, own, option.Length);
                }
            }
        }

        return new Outcome(positions, sum, clock.Elapsed);
    }
}
