using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using EvalTests.Onnx.Loading;

namespace EvalTests.Onnx.Inference;

/// <summary>The greedy continuation of one row: its token ids and why it stopped.</summary>
internal sealed record GeneratedSequence(IReadOnlyList<int> Tokens, bool HitEos);

/// <summary>
/// Token-level decoder over an ONNX causal LM: batched forward passes with left padding, a KV cache carried between
/// steps as the session's own output values, greedy decoding and per-token log-probabilities. Knows nothing of text.
/// </summary>
internal sealed class OnnxDecoder : IDisposable
{
    private readonly InferenceSession _session;
    private readonly int _padId;

    public OnnxDecoder(InferenceSession session, DecoderSignature signature, int padId)
    {
        _session = session;
        Signature = signature;
        _padId = padId;
    }

    public DecoderSignature Signature { get; }

    /// <summary>The number of forward passes run, for tests and benchmarks.</summary>
    public long ForwardPasses { get; private set; }

    /// <summary>
    /// Greedy decoding of a batch. Rows are left-padded to one length; each step feeds one token per row and the previous
    /// step's present KV values. A row stops at an EOS id or when <paramref name="shouldStop"/> says so; the batch stops
    /// when every row has stopped or <paramref name="maxNewTokens"/> is reached.
    /// </summary>
    public IReadOnlyList<GeneratedSequence> Generate(IReadOnlyList<IReadOnlyList<int>> prompts, int maxNewTokens, IReadOnlyCollection<int> eosIds,
        Func<int, IReadOnlyList<int>, bool>? shouldStop = null, CancellationToken cancellationToken = default)
    {
        var batch = prompts.Count;
        var (ids, mask, positions, length) = LeftPad(prompts);

        var outputs = prompts.Select(_ => new List<int>()).ToArray();
        var finished = new bool[batch];
        var hitEos = new bool[batch];
        var lastPosition = Enumerable.Range(0, batch).Select(b => (long)prompts[b].Count - 1).ToArray();
        var runningMask = mask.ToList();
        var total = length;

        var step = Forward(ids, batch, length, mask, positions, past: null, keepPresent: maxNewTokens > 1);
        try
        {
            for (var generated = 0; generated < maxNewTokens; generated++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var next = new long[batch];
                var seq = generated == 0 ? length : 1;
                for (var b = 0; b < batch; b++)
                {
                    var token = ArgMax(step.Logits, b, seq - 1, seq);
                    next[b] = finished[b] ? _padId : token;
                    if (finished[b])
                    {
                        continue;
                    }

                    if (eosIds.Contains(token))
                    {
                        finished[b] = true;
                        hitEos[b] = true;
                        continue;
                    }

                    outputs[b].Add(token);
                    if (shouldStop?.Invoke(b, outputs[b]) == true)
                    {
                        finished[b] = true;
                    }
                }

                if (finished.All(f => f) || generated == maxNewTokens - 1)
                {
                    break;
                }

                total++;
                var stepMask = new long[batch * total];
                for (var b = 0; b < batch; b++)
                {
                    for (var t = 0; t < total - 1; t++)
                    {
                        stepMask[b * total + t] = runningMask[b * (total - 1) + t];
                    }

                    stepMask[b * total + total - 1] = 1;
                }

                runningMask = stepMask.ToList();
                var stepPositions = new long[batch];
                for (var b = 0; b < batch; b++)
                {
                    stepPositions[b] = ++lastPosition[b];
                }

                var previous = step;
                step = Forward(next, batch, 1, stepMask, stepPositions, previous.Present, keepPresent: true);
                previous.Dispose();
            }
        }
        finally
        {
            step.Dispose();
        }

        return outputs.Select((o, b) => new GeneratedSequence(o, hitEos[b])).ToList();
    }

    /// <summary>
    /// log p(token_t | tokens before t) for every position t ≥ 1 of each row, from one batched forward pass without cache.
    /// </summary>
    public IReadOnlyList<double[]> TokenLogProbs(IReadOnlyList<IReadOnlyList<int>> sequences, CancellationToken cancellationToken = default)
    {
        var batch = sequences.Count;
        var (ids, mask, positions, length) = LeftPad(sequences);

        cancellationToken.ThrowIfCancellationRequested();
        using var result = Forward(ids, batch, length, mask, positions, past: null, keepPresent: false);
        return Enumerable.Range(0, batch).Select(b => RowLogProbs(result.Logits, ids, b, sequences[b].Count, length)).ToList();
    }

    /// <summary>log p(token_t | before t) for the real tokens (t ≥ 1) of one left-padded row of a forward pass.</summary>
    private double[] RowLogProbs(OrtValue logits, long[] ids, int row, int count, int length)
    {
        var pad = length - count;
        var logProbs = new double[Math.Max(0, count - 1)];
        for (var t = pad + 1; t < length; t++)
        {
            logProbs[t - pad - 1] = LogSoftmaxAt(logits, row, t - 1, length, (int)ids[(row * length) + t]);
        }

        return logProbs;
    }

    /// <summary>
    /// Per-token log-probabilities of sequences that share prefixes: each prefix is run once (all prefixes in one
    /// left-padded pass), its KV cache is copied to every sequence that extends it, and only the suffixes are run.
    /// Results equal <see cref="TokenLogProbs"/> on the full sequences.
    /// </summary>
    /// <param name="prefixes">The shared prefixes.</param>
    /// <param name="members">For each sequence, its prefix index and its suffix (at least one token).</param>
    /// <param name="cancellationToken">Stops between passes.</param>
    public IReadOnlyList<double[]> TokenLogProbsSharingPrefixes(IReadOnlyList<IReadOnlyList<int>> prefixes, IReadOnlyList<(int Prefix, IReadOnlyList<int> Suffix)> members, CancellationToken cancellationToken = default)
    {
        var groups = prefixes.Count;
        var (ids, mask, positions, prefixLength) = LeftPad(prefixes);

        cancellationToken.ThrowIfCancellationRequested();
        using var head = Forward(ids, groups, prefixLength, mask, positions, past: null, keepPresent: true);
        var vocab = VocabOf(head.Logits);
        var prefixLogProbs = new double[groups][];
        var lastRows = new float[groups][];
        for (var g = 0; g < groups; g++)
        {
            prefixLogProbs[g] = RowLogProbs(head.Logits, ids, g, prefixes[g].Count, prefixLength);
            lastRows[g] = new float[vocab];
            ReadRow(head.Logits, ((g * prefixLength) + prefixLength - 1) * vocab, lastRows[g]);
        }

        var rows = members.Select(m => m.Prefix).ToArray();
        var past = new List<OrtValue>(Signature.Cache.Count);
        try
        {
            for (var i = 0; i < Signature.Cache.Count; i++)
            {
                past.Add(GatherRows(head.Present[i], Signature.Cache[i], rows, prefixLength));
            }

            // Suffixes are right-padded: with a causal model, padding after a token cannot change it.
            var batch = members.Count;
            var suffixLength = members.Max(m => m.Suffix.Count);
            var total = prefixLength + suffixLength;
            var suffixIds = new long[batch * suffixLength];
            var suffixMask = new long[batch * total];
            var suffixPositions = new long[batch * suffixLength];
            for (var b = 0; b < batch; b++)
            {
                var (prefix, suffix) = members[b];
                for (var t = 0; t < prefixLength; t++)
                {
                    suffixMask[b * total + t] = mask[prefix * prefixLength + t];
                }

                for (var j = 0; j < suffixLength; j++)
                {
                    var real = j < suffix.Count;
                    suffixIds[b * suffixLength + j] = real ? suffix[j] : _padId;
                    suffixMask[b * total + prefixLength + j] = real ? 1 : 0;
                    suffixPositions[b * suffixLength + j] = prefixes[prefix].Count + j;
                }
            }

            cancellationToken.ThrowIfCancellationRequested();
            using var tail = Forward(suffixIds, batch, suffixLength, suffixMask, suffixPositions, past, keepPresent: false);
            var results = new List<double[]>(batch);
            for (var b = 0; b < batch; b++)
            {
                var (prefix, suffix) = members[b];
                var row = new double[prefixLogProbs[prefix].Length + suffix.Count];
                prefixLogProbs[prefix].CopyTo(row, 0);
                var offset = prefixLogProbs[prefix].Length;
                row[offset] = LogSoftmax(lastRows[prefix], suffix[0]);
                for (var j = 1; j < suffix.Count; j++)
                {
                    row[offset + j] = LogSoftmaxAt(tail.Logits, b, j - 1, suffixLength, suffix[j]);
                }

                results.Add(row);
            }

            return results;
        }
        finally
        {
            foreach (var value in past)
            {
                value.Dispose();
            }
        }
    }

    /// <summary>Copies batch rows of a KV tensor (row <c>rows[i]</c> becomes row i), for any layout and element type.</summary>
    private static OrtValue GatherRows(OrtValue source, KvSlot slot, int[] rows, int length)
    {
        var sourceShape = slot.Shape(1, length);
        var batchAxis = slot.Kind == KvKind.Stacked ? 1 : 0;
        var outer = batchAxis == 1 ? 2 : 1;
        var inner = (int)(sourceShape.Aggregate(1L, (a, d) => a * d) / outer);
        var sourceBatch = (int)source.GetTensorTypeAndShape().Shape[batchAxis];
        var shape = slot.Shape(rows.Length, length);
        if (slot.ElementType == TensorElementType.Float16)
        {
            var target = new Float16[outer * rows.Length * inner];
            Gather(source.GetTensorDataAsSpan<Float16>(), target, rows, outer, sourceBatch, inner);
            return OrtValue.CreateTensorValueFromMemory(target, shape);
        }
        else
        {
            var target = new float[outer * rows.Length * inner];
            Gather(source.GetTensorDataAsSpan<float>(), target, rows, outer, sourceBatch, inner);
            return OrtValue.CreateTensorValueFromMemory(target, shape);
        }
    }

    private static void Gather<T>(ReadOnlySpan<T> source, Span<T> target, int[] rows, int outer, int sourceBatch, int inner)
    {
        for (var o = 0; o < outer; o++)
        {
            for (var r = 0; r < rows.Length; r++)
            {
                source.Slice(((o * sourceBatch) + rows[r]) * inner, inner).CopyTo(target.Slice(((o * rows.Length) + r) * inner, inner));
            }
        }
    }

    /// <summary>The logits of the last position of each row after a full forward pass without cache (for tests).</summary>
    internal float[] LastLogits(IReadOnlyList<int> sequence)
    {
        var length = sequence.Count;
        var ids = sequence.Select(i => (long)i).ToArray();
        var mask = Enumerable.Repeat(1L, length).ToArray();
        var positions = Enumerable.Range(0, length).Select(i => (long)i).ToArray();
        using var result = Forward(ids, 1, length, mask, positions, past: null, keepPresent: false);
        var vocab = VocabOf(result.Logits);
        var row = new float[vocab];
        ReadRow(result.Logits, (length - 1) * vocab, row);
        return row;
    }

    /// <summary>Rows left-padded to one length, with the attention mask and position ids Hugging Face would give them.</summary>
    private (long[] Ids, long[] Mask, long[] Positions, int Length) LeftPad(IReadOnlyList<IReadOnlyList<int>> rows)
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
                ids[(b * length) + t] = real ? rows[b][t - pad] : _padId;
                mask[(b * length) + t] = real ? 1 : 0;
                // Positions count real tokens from 0; padding gets 1, as Hugging Face does (it is masked anyway).
                positions[(b * length) + t] = real ? t - pad : 1;
            }
        }

        return (ids, mask, positions, length);
    }

    private StepOutputs Forward(long[] ids, int batch, int seq, long[] mask, long[] positions, IReadOnlyList<OrtValue>? past, bool keepPresent)
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
            var outputs = _session.Run(options, names, values, outputNames);
            ForwardPasses++;
            return new StepOutputs(outputs, keepPresent);
        }
        finally
        {
            foreach (var value in owned)
            {
                value.Dispose();
            }
        }
    }

    private static OrtValue IntTensor(TensorElementType type, long[] values, long[] shape) => type == TensorElementType.Int32
        ? OrtValue.CreateTensorValueFromMemory(values.Select(v => (int)v).ToArray(), shape)
        : OrtValue.CreateTensorValueFromMemory(values, shape);

    private int ArgMax(OrtValue logits, int row, int position, int seq)
    {
        var vocab = VocabOf(logits);
        Span<float> values = vocab <= 4096 ? stackalloc float[vocab] : new float[vocab];
        ReadRow(logits, ((row * seq) + position) * vocab, values);
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

    private double LogSoftmaxAt(OrtValue logits, int row, int position, int seq, int token)
    {
        var vocab = VocabOf(logits);
        Span<float> values = vocab <= 4096 ? stackalloc float[vocab] : new float[vocab];
        ReadRow(logits, ((row * seq) + position) * vocab, values);
        return LogSoftmax(values, token);
    }

    private static double LogSoftmax(ReadOnlySpan<float> values, int token)
    {
        var max = double.NegativeInfinity;
        foreach (var value in values)
        {
            max = Math.Max(max, value);
        }

        var sum = 0.0;
        foreach (var value in values)
        {
            sum += Math.Exp(value - max);
        }

        return values[token] - max - Math.Log(sum);
    }

    private static int VocabOf(OrtValue logits) => (int)logits.GetTensorTypeAndShape().Shape[^1];

    private void ReadRow(OrtValue logits, int offset, Span<float> destination)
    {
        if (Signature.LogitsType == TensorElementType.Float16)
        {
            var source = logits.GetTensorDataAsSpan<Float16>().Slice(offset, destination.Length);
            for (var i = 0; i < destination.Length; i++)
            {
                destination[i] = (float)source[i];
            }
        }
        else
        {
            logits.GetTensorDataAsSpan<float>().Slice(offset, destination.Length).CopyTo(destination);
        }
    }

    public void Dispose() => _session.Dispose();

    /// <summary>The outputs of one forward pass; the present values become the next step's past.</summary>
    private sealed class StepOutputs(IDisposableReadOnlyCollection<OrtValue> outputs, bool hasPresent) : IDisposable
    {
        public OrtValue Logits => outputs[0];

        public List<OrtValue> Present { get; } = hasPresent ? outputs.Skip(1).ToList() : [];

        public void Dispose() => outputs.Dispose();
    }
}
