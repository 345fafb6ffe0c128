using System.Buffers;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using EvalTests.Onnx.Loading;

namespace EvalTests.Onnx.Inference;

/// <summary>
/// The outputs of one forward pass; the present values become the next step's past. Logits of up to 2 GiB are ONNX
/// Runtime's own buffer, read through its spans; larger ones (a long prompt of a 150k-token vocabulary: 4,096 × 151,936
/// floats is 2.5 GB) go to native memory of our own, since the C# API's spans stop at 2 GiB.
/// </summary>
internal sealed unsafe class StepOutputs : IDisposable
{
    private readonly IReadOnlyList<OrtValue> _outputs;
    private readonly OrtValue _logits;

    /// <summary>
    /// Where the logits are, taken once: a span from <see cref="OrtValue"/> asks ONNX Runtime for the tensor's type and
    /// shape each time, and scoring reads one position at a time.
    /// </summary>
    private readonly void* _logitsData;

    /// <summary>The native buffer of logits over 2 GiB, allocated here (null when ONNX Runtime owns them).</summary>
    private readonly void* _largeLogits;
    private readonly TensorElementType _logitsType;
    private bool _presentTaken;

    public StepOutputs(IDisposableReadOnlyCollection<OrtValue> outputs, bool hasPresent, TensorElementType logitsType)
    {
        _outputs = outputs;
        _logitsType = logitsType;
        _logits = outputs[0];
        _logitsData = Unsafe.AsPointer(ref MemoryMarshal.GetReference(_logits.GetTensorMutableRawData()));
        Present = hasPresent ? [.. outputs.Skip(1)] : [];
        Vocab = (int)_logits.GetTensorTypeAndShape().Shape[^1];
    }

    private StepOutputs(List<OrtValue> outputs, void* largeLogits, int vocab, bool hasPresent, TensorElementType logitsType)
    {
        _outputs = outputs;
        _logitsType = logitsType;
        _logits = outputs[0];
        _largeLogits = largeLogits;
        _logitsData = largeLogits;
        Present = hasPresent ? [.. outputs.Skip(1)] : [];
        Vocab = vocab;
    }

    public int Vocab { get; }

    public List<OrtValue> Present { get; }

    /// <summary>Runs a pass whose logits exceed 2 GiB into buffers allocated here (presents as [batch, heads, total, head]).</summary>
    public static StepOutputs RunLarge(InferenceSession session, RunOptions options, List<string> names, List<OrtValue> values, IReadOnlyList<string> outputNames,
        DecoderSignature signature, int batch, int seq, int total, int vocab, long bytes)
    {
        var buffer = NativeMemory.Alloc((nuint)bytes);
        var outputs = new List<OrtValue>(outputNames.Count);
        try
        {
            outputs.Add(OrtValue.CreateTensorValueWithData(OrtMemoryInfo.DefaultInstance, signature.LogitsType, [batch, seq, vocab], (IntPtr)buffer, bytes));
            foreach (var slot in signature.Cache.Take(outputNames.Count - 1))
            {
                outputs.Add(OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, slot.ElementType, slot.Shape(batch, total)));
            }

            session.Run(options, names, values, outputNames, outputs);
            return new StepOutputs(outputs, buffer, vocab, outputNames.Count > 1, signature.LogitsType);
        }
        catch
        {
            outputs.ForEach(output => output.Dispose());
            NativeMemory.Free(buffer);
            throw;
        }
    }

    /// <summary>The logits from an element offset (row × seq + position) × vocab.</summary>
    private ReadOnlySpan<T> Logits<T>(long offset, int length)
        where T : unmanaged => new((T*)_logitsData + offset, length);

    public int ArgMax(int row, int position, int seq)
    {
        var rented = RentScratch();
        try
        {
            var values = Row(Offset(row, position, seq), rented.AsSpan(0, Vocab));
            var best = 0;
            for (var v = 1; v < values.Length; v++)
            {
                if (values[v] > values[best])
                {
                    best = v;
                }
            }

            return best;
        }
        finally
        {
            ArrayPool<float>.Shared.Return(rented);
        }
    }

    public double LogSoftmaxAt(int row, int position, int seq, int token)
    {
        var rented = RentScratch();
        try
        {
            var scratch = rented.AsSpan(0, Vocab);
            return LogSoftmax(Row(Offset(row, position, seq), scratch), token, scratch);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// A scratch row from the shared pool: <see cref="ArgMax"/> and <see cref="LogSoftmaxAt"/> run once per generated or
    /// scored token, and a large vocabulary's row (151,936 floats: 600 KB) would otherwise be a fresh large-object
    /// allocation each time.
    /// </summary>
    private float[] RentScratch() => ArrayPool<float>.Shared.Rent(Vocab);

    /// <summary>
    /// A position's whole log-softmax, from one read: for the tokens that may follow it (the children of a prefix node,
    /// the next token of any sequence continuing a kept prefix), each looked up instead of computed again.
    /// </summary>
    public double[] LogSoftmaxRow(int row, int position, int seq)
    {
        var scratch = new float[Vocab];
        // Copied before scratch is written: for an fp16 graph, the row is scratch.
        var values = Row(Offset(row, position, seq), scratch).ToArray();
        var logSum = LogSumExp(values, scratch);
        var logProbs = new double[values.Length];
        for (var v = 0; v < values.Length; v++)
        {
            logProbs[v] = values[v] - logSum;
        }

        return logProbs;
    }

    /// <summary>
    /// A position's distribution as OpenAI reports it: <paramref name="token"/>'s log-probability and the
    /// <paramref name="count"/> likeliest tokens with theirs, likeliest first (ties: lower id first), from one read.
    /// </summary>
    public (double LogProb, (int Token, double LogProb)[] Top) Distribution(int row, int position, int seq, int token, int count)
    {
        var scratch = new float[Vocab];
        var values = Row(Offset(row, position, seq), scratch).ToArray();
        var logSum = LogSumExp(values, scratch);
        var top = new List<int>(count + 1);
        for (var v = 0; v < values.Length && count > 0; v++)
        {
            if (top.Count < count || values[v] > values[top[^1]])
            {
                var at = top.FindIndex(t => values[v] > values[t]);
                top.Insert(at < 0 ? top.Count : at, v);
                if (top.Count > count)
                {
                    top.RemoveAt(top.Count - 1);
                }
            }
        }

        return (values[token] - logSum, [.. top.Select(t => (t, values[t] - logSum))]);
    }

    /// <summary>
    /// log softmax(values)[token] = values[token] − max − log Σ exp(values − max), vectorized: it runs once per scored
    /// token over the whole vocabulary, the one piece of work per position a bare session.Run loop does not do.
    /// </summary>
    private static double LogSoftmax(ReadOnlySpan<float> values, int token, Span<float> scratch)
    {
        // Read before scratch is written: for an fp16 graph, values are scratch.
        var logit = values[token];
        return logit - LogSumExp(values, scratch);
    }

    /// <summary>log Σ exp(values), shifted by the maximum for stability; <paramref name="scratch"/> is overwritten.</summary>
    private static double LogSumExp(ReadOnlySpan<float> values, Span<float> scratch)
    {
        var max = TensorPrimitives.Max(values);
        TensorPrimitives.Subtract(values, max, scratch);
        TensorPrimitives.Exp(scratch, scratch);
        return (double)max + Math.Log(TensorPrimitives.Sum(scratch));
    }

    /// <summary>One position's logits: read in place from a float graph, converted into <paramref name="scratch"/> from an fp16 one.</summary>
    private ReadOnlySpan<float> Row(long offset, Span<float> scratch)
    {
        if (_logitsType != TensorElementType.Float16)
        {
            return Logits<float>(offset, scratch.Length);
        }

        var source = Logits<Float16>(offset, scratch.Length);
        for (var i = 0; i < scratch.Length; i++)
        {
            scratch[i] = (float)source[i];
        }

        return scratch;
    }

    /// <summary>The logits of one position, copied (for tests).</summary>
    public float[] PositionLogits(int row, int position, int seq) => Row(Offset(row, position, seq), new float[Vocab]).ToArray();

    /// <summary>Where a position's logits start in the [rows, seq, vocab] tensor (a long: large passes pass 2³¹ elements).</summary>
    private long Offset(int row, int position, int seq) => (((long)row * seq) + position) * Vocab;

    /// <summary>
    /// Hands the present values to the caller (the next pass's past, or a kept prefix), who disposes them; the logits are
    /// still freed with this pass.
    /// </summary>
    public IReadOnlyList<OrtValue> TakePresent()
    {
        _presentTaken = true;
        return Present;
    }

    public void Dispose()
    {
        foreach (var output in _outputs)
        {
            if (!_presentTaken || ReferenceEquals(output, _logits))
            {
                output.Dispose();
            }
        }

        if (_largeLogits is not null)
        {
            NativeMemory.Free(_largeLogits);
        }
    }
}
