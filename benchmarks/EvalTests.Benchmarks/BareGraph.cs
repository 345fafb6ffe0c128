using System.Numerics.Tensors;
using Microsoft.ML.OnnxRuntime;

namespace EvalTests.Benchmarks;

/// <summary>
/// A decoder graph driven through the plain ONNX Runtime API, one row per pass, for the bare minimal-work loops: inputs
/// by name, each pass's presents handed to the next as its past as they are.
/// </summary>
internal sealed class BareGraph(InferenceSession session)
{
    private readonly string[] _pastNames = [.. session.InputMetadata.Keys.Where(n => n.StartsWith("past_key_values", StringComparison.Ordinal))];
    private readonly bool _hasPositions = session.InputMetadata.ContainsKey("position_ids");

    /// <summary>The leading tokens every sequence shares, leaving each at least one of its own.</summary>
    public static int CommonPrefix(IReadOnlyList<int[]> sequences)
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

    /// <summary>One pass of <paramref name="tokens"/> at positions from <paramref name="start"/>, on <paramref name="past"/> (null: none).</summary>
    public BarePass Run(int[] tokens, IReadOnlyList<OrtValue>? past, int start, bool keepPresent)
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
            return new BarePass(session.Run(new RunOptions(), names, inputs, outputs), tokens.Length);
        }
        finally
        {
            inputs.Take(_hasPositions ? 3 : 2).Concat(empty).ToList().ForEach(v => v.Dispose());
        }
    }
}

/// <summary>One pass's outputs: its logits (read in place) and presents.</summary>
internal sealed class BarePass(IDisposableReadOnlyCollection<OrtValue> outputs, int length) : IDisposable
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

    /// <summary>The greedy choice after this pass's last token (ties: the lowest id, as argmax).</summary>
    public int ArgMaxNext() => TensorPrimitives.IndexOfMax(Logits(length - 1));

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
