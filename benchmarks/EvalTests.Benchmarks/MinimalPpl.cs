using System.Diagnostics;
using System.Numerics.Tensors;
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
        var graph = new Graph(session);
        var clock = Stopwatch.StartNew();
        long positions = 0;
        var sum = 0.0;
        foreach (var questions in subjects)
        {
            var all = questions.SelectMany(q => q).ToList();
            var shared = CommonPrefix(all);
            using var subject = graph.Run(all[0][..shared], past: null, start: 0, keepPresent: true);
            positions += shared;
            var subjectScore = subject.ScoreOwn(all[0], 0, shared);
            foreach (var options in questions)
            {
                var own = CommonPrefix(options);
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

    /// <summary>The leading tokens every sequence shares, leaving each at least one of its own.</summary>
    private static int CommonPrefix(IReadOnlyList<int[]> sequences)
    {
        var shared = sequences.Min(s => s.Length) - 1;
        for (var i = 0; i < shared; i++)
        {
            if (sequences.Any(s => s[i] != sequences[0][i]))
            {
                return i;
            }
        }

        return shared;
    }

    /// <summary>The graph's inputs by name, and one forward pass of one row.</summary>
    private sealed class Graph(InferenceSession session)
    {
        private readonly string[] _pastNames = [.. session.InputMetadata.Keys.Where(n => n.StartsWith("past_key_values", StringComparison.Ordinal))];
        private readonly bool _hasPositions = session.InputMetadata.ContainsKey("position_ids");

        public Pass Run(int[] tokens, IReadOnlyList<OrtValue>? past, int start, bool keepPresent)
        {
            var total = start + tokens.Length;
            var inputs = new List<OrtValue>
            {
                OrtValue.CreateTensorValueFromMemory(tokens.Select(t => (long)t).ToArray(), [1, tokens.Length]),
                OrtValue.CreateTensorValueFromMemory(Enumerable.Repeat(1L, total).ToArray(), [1, total]),
            };
            var names = new List<string> { "input_ids", "attention_mask" };
            if (_hasPositions)
            {
                inputs.Add(OrtValue.CreateTensorValueFromMemory(Enumerable.Range(start, tokens.Length).Select(p => (long)p).ToArray(), [1, tokens.Length]));
                names.Add("position_ids");
            }

            var empty = past is null ? _pastNames.Select(n => OrtValue.CreateTensorValueFromMemory(Array.Empty<float>(), [1, session.InputMetadata[n].Dimensions[1], 0, session.InputMetadata[n].Dimensions[3]])).ToList() : [];
            names.AddRange(_pastNames);
            inputs.AddRange(past ?? empty);
            var outputs = keepPresent ? _pastNames.Select(n => n.Replace("past_key_values", "present", StringComparison.Ordinal)).Prepend("logits").ToArray() : ["logits"];
            try
            {
                return new Pass(session.Run(new RunOptions(), names, inputs, outputs), tokens.Length);
            }
            finally
            {
                inputs.Take(_hasPositions ? 3 : 2).Concat(empty).ToList().ForEach(v => v.Dispose());
            }
        }
    }

    /// <summary>One pass's outputs: its logits (read in place) and presents.</summary>
    private sealed class Pass(IDisposableReadOnlyCollection<OrtValue> outputs, int length) : IDisposable
    {
        private readonly int _vocab = (int)outputs[0].GetTensorTypeAndShape().Shape[^1];
        private float[]? _scratch;
        private double? _nextLogSum;

        public IReadOnlyList<OrtValue> Present => [.. outputs.Skip(1)];

        /// <summary>Σ log p(token t | before t) for t in [from + 1, to): the positions this pass predicts within its own tokens.</summary>
        public double ScoreOwn(int[] sequence, int from, int to)
        {
            var sum = 0.0;
            for (var t = from + 1; t < to; t++)
            {
                var position = t - from - 1;
                sum += Logits(position)[sequence[t]] - LogSumExp(position);
            }

            return sum;
        }

        /// <summary>log p of the token after this pass's last one; the position's normalizer is taken once for all its followers.</summary>
        public double ScoreNext(int token) => Logits(length - 1)[token] - (_nextLogSum ??= LogSumExp(length - 1));

        private ReadOnlySpan<float> Logits(int position) => outputs[0].GetTensorDataAsSpan<float>().Slice(position * _vocab, _vocab);

        private double LogSumExp(int position)
        {
            var row = Logits(position);
            var scratch = _scratch ??= new float[_vocab];
            var max = TensorPrimitives.Max(row);
            TensorPrimitives.Subtract(row, max, scratch);
            TensorPrimitives.Exp(scratch, scratch);
            return max + Math.Log(TensorPrimitives.Sum(scratch));
        }

        public void Dispose() => outputs.Dispose();
    }
}
