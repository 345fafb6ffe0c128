using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using EvalTests.Onnx.Loading;

namespace EvalTests.Onnx.Inference;

/// <summary>
/// One forward pass of the decoder graph: its inputs built from ids, attention mask, positions and a past (of the
/// layout the signature read), padded left for fresh rows or right for rows continuing a past; counts what it runs.
/// </summary>
internal sealed class ForwardPass : IDisposable
{
    private readonly InferenceSession _session;
    private readonly int _vocab;

    public ForwardPass(InferenceSession session, DecoderSignature signature, int padId)
    {
        _session = session;
        Signature = signature;
        PadId = padId;
        // The logits' last dimension as the graph states it (-1 when symbolic: then passes stay in ONNX Runtime's buffers).
        _vocab = session.OutputMetadata.TryGetValue(signature.Logits, out var logits) && logits.Dimensions.Length > 0 ? logits.Dimensions[^1] : -1;
    }

    public DecoderSignature Signature { get; }

    /// <summary>The id that fills padding positions.</summary>
    public int PadId { get; }

    /// <summary>The number of forward passes run, for tests and benchmarks.</summary>
    public long Passes { get; private set; }

    /// <summary>The number of token positions run (rows × tokens per row), for tests and benchmarks.</summary>
    public long TokensRun { get; private set; }

    public StepOutputs Run(long[] ids, int batch, int seq, long[] mask, long[] positions, IReadOnlyList<OrtValue>? past, bool keepPresent)
    {
        var names = new List<string>();
        var values = new List<OrtValue>();
        var owned = new List<OrtValue>();
        try
        {
            void Add(string name, OrtValue value)
            {
                names.Add(name);
                values.Add(value);
                owned.Add(value);
            }

            Add(Signature.InputIds, IntTensor(Signature.InputIdsType, ids, [batch, seq]));
            var total = mask.Length / batch;
            if (Signature.AttentionMask is { } maskName)
            {
                Add(maskName, IntTensor(Signature.AttentionMaskType, mask, [batch, total]));
            }

            if (Signature.PositionIds is { } positionName)
            {
                Add(positionName, IntTensor(Signature.PositionIdsType, positions, [batch, seq]));
            }

            for (var i = 0; i < Signature.Cache.Count; i++)
            {
                var slot = Signature.Cache[i];
                if (past is not null)
                {
                    names.Add(slot.InputName);
                    values.Add(past[i]);
                }
                else
                {
                    Add(slot.InputName, OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, slot.ElementType, slot.Shape(batch, 0)));
                }
            }

            var outputNames = keepPresent
                ? Signature.Cache.Select(c => c.OutputName).Prepend(Signature.Logits).ToList()
                : [Signature.Logits];
            using var options = new RunOptions();
            var logitsBytes = LogitsBytes(batch, seq);
            var step = logitsBytes > int.MaxValue
                ? StepOutputs.RunLarge(_session, options, names, values, outputNames, Signature, batch, seq, total, _vocab, logitsBytes)
                : new StepOutputs(_session.Run(options, names, values, outputNames), keepPresent, Signature.LogitsType);
            Passes++;
            TokensRun += ids.Length;
            return step;
        }
        finally
        {
            foreach (var value in owned)
            {
                value.Dispose();
            }
        }
    }

    /// <summary>
    /// One row continuing a past of <paramref name="start"/> tokens, every one of them attended to: its ids, the past's
    /// mask followed by its own, and positions counting on from <paramref name="start"/>.
    /// </summary>
    public static (long[] Ids, long[] Mask, long[] Positions, int Length) OneRowOnPast(IReadOnlyList<int> tokens, int start)
    {
        var ids = new long[tokens.Count];
        var positions = new long[tokens.Count];
        for (var j = 0; j < tokens.Count; j++)
        {
            ids[j] = tokens[j];
            positions[j] = start + j;
        }

        var mask = new long[start + tokens.Count];
        Array.Fill(mask, 1L);
        return (ids, mask, positions, tokens.Count);
    }

    /// <summary>Rows left-padded to one length, with the attention mask and position ids Hugging Face would give them.</summary>
    public (long[] Ids, long[] Mask, long[] Positions, int Length) LeftPad(IReadOnlyList<IReadOnlyList<int>> rows)
    {
        var length = rows.Max(r => r.Count);
        var ids = new long[rows.Count * length];
        var mask = new long[rows.Count * length];
        var positions = new long[rows.Count * length];
        for (var b = 0; b < rows.Count; b++)
        {
            var pad = length - rows[b].Count;
            for (var t = 0; t < length; t++)
            {
                var real = t >= pad;
                ids[(b * length) + t] = real ? rows[b][t - pad] : PadId;
                mask[(b * length) + t] = real ? 1 : 0;
                // Positions count real tokens from 0; padding gets 1, as Hugging Face does (it is masked anyway).
                positions[(b * length) + t] = real ? t - pad : 1;
            }
        }

        return (ids, mask, positions, length);
    }

    private static OrtValue IntTensor(TensorElementType type, long[] values, long[] shape) => type == TensorElementType.Int32
        ? OrtValue.CreateTensorValueFromMemory(values.Select(v => (int)v).ToArray(), shape)
        : OrtValue.CreateTensorValueFromMemory(values, shape);

    /// <summary>The bytes a pass's logits take ([batch, seq, vocab]); 0 when the graph does not state its vocabulary.</summary>
    private long LogitsBytes(int batch, int seq) =>
        _vocab <= 0 ? 0 : (long)batch * seq * _vocab * (Signature.LogitsType == TensorElementType.Float16 ? 2 : 4);

    public void Dispose() => _session.Dispose();
}
