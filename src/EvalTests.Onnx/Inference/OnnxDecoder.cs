using System.Numerics.Tensors;
using System.Runtime.InteropServices;
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
    private readonly int _vocab;

    public OnnxDecoder(InferenceSession session, DecoderSignature signature, int padId)
    {
        _session = session;
        Signature = signature;
        _padId = padId;
        // The logits' last dimension as the graph states it (-1 when symbolic: then passes stay in ONNX Runtime's buffers).
        _vocab = session.OutputMetadata.TryGetValue(signature.Logits, out var logits) && logits.Dimensions.Length > 0 ? logits.Dimensions[^1] : -1;
    }

    public DecoderSignature Signature { get; }

    /// <summary>The number of forward passes run, for tests and benchmarks.</summary>
    public long ForwardPasses { get; private set; }

    /// <summary>The number of token positions run (rows × tokens per row), for tests and benchmarks.</summary>
    public long TokensRun { get; private set; }

    /// <summary>
    /// Greedy decoding of a batch. When the prompts share at least <paramref name="minShared"/> leading tokens (a
    /// subject's few-shot examples; for a batch of one, its prompt), that prefix is run once (from a kept prefix where an
    /// earlier call ran its start), kept for later calls, and its KV cache copied to every row; only the rest of each
    /// prompt is run, right-padded. Otherwise rows are left-padded to one length. Each step then feeds one token per
    /// row and the previous step's present KV values. A row stops at an EOS id or when <paramref name="shouldStop"/>
    /// says so; the batch stops when every row has stopped or <paramref name="maxNewTokens"/> is reached.
    /// </summary>
    public IReadOnlyList<GeneratedSequence> Generate(IReadOnlyList<IReadOnlyList<int>> prompts, int maxNewTokens, IReadOnlyCollection<int> eosIds,
        Func<int, IReadOnlyList<int>, bool>? shouldStop = null, int minShared = int.MaxValue, CancellationToken cancellationToken = default)
    {
        var batch = prompts.Count;
        var outputs = prompts.Select(_ => new List<int>()).ToArray();
        var finished = new bool[batch];
        var hitEos = new bool[batch];
        var (step, mask, length, lastIndex) = PromptPass(prompts, keepPresent: maxNewTokens > 1, minShared, cancellationToken);
        var lastPosition = Enumerable.Range(0, batch).Select(b => (long)prompts[b].Count - 1).ToArray();
        var runningMask = mask.ToList();
        var total = mask.Length / batch;

        try
        {
            for (var generated = 0; generated < maxNewTokens; generated++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var next = new long[batch];
                var seq = generated == 0 ? length : 1;
                for (var b = 0; b < batch; b++)
                {
                    var token = ArgMax(step, b, generated == 0 ? lastIndex[b] : 0, seq);
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
    /// The first pass of generation: the prompts' logits and KV cache, the attention mask so far, the pass's sequence
    /// length and where each row's last prompt token sits in it. When the prompts share at least
    /// <paramref name="minShared"/> leading tokens, that head runs once, from a kept prefix when an earlier call ran its
    /// start (a subject's shots), and is kept in turn for the next call.
    /// </summary>
    private (StepOutputs Step, long[] Mask, int Length, int[] LastIndex) PromptPass(IReadOnlyList<IReadOnlyList<int>> prompts, bool keepPresent, int minShared, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var batch = prompts.Count;
        var shared = prompts.Min(p => p.Count) - 1;
        foreach (var prompt in prompts.Skip(1))
        {
            shared = Math.Min(shared, PrefixTree.CommonPrefix(prompts[0], prompt));
        }

        if (shared < minShared)
        {
            var (ids, mask, positions, length) = LeftPad(prompts);
            return (Forward(ids, batch, length, mask, positions, past: null, keepPresent), mask, length, Enumerable.Repeat(length - 1, batch).ToArray());
        }

        var past = RunHead(prompts[0].Take(shared).ToList(), batch, minShared);
        try
        {
            var pastMask = Enumerable.Repeat(1L, shared).ToArray();
            var (ids, mask, positions, length) = RightPadOnPast(prompts.Select(p => ((IReadOnlyList<int>)p.Skip(shared).ToList(), shared, pastMask)).ToList());
            cancellationToken.ThrowIfCancellationRequested();
            var step = Forward(ids, batch, length, mask, positions, past, keepPresent);
            return (step, mask, length, prompts.Select(p => p.Count - shared - 1).ToArray());
        }
        finally
        {
            DisposeAll(past);
        }
    }

    /// <summary>
    /// The KV cache of a head every row shares, copied to <paramref name="rows"/> rows: the part a kept prefix covers is
    /// taken from it, the rest run once; the whole head is kept for later calls.
    /// </summary>
    private List<OrtValue> RunHead(List<int> head, int rows, int minShared)
    {
        var hit = Prefixes.Match(head, minShared, scored: false);
        var start = hit?.Shared ?? 0;
        var kept = hit is { } h ? h.Entry.Cache.Select((value, i) => CopyRows(value, Signature.Cache[i], [0], start)).ToList() : null;
        try
        {
            var (ids, mask, positions, length) = RightPadOnPast([(head.Skip(start).ToList(), start, Enumerable.Repeat(1L, start).ToArray())]);
            using var step = Forward(ids, 1, length, mask, positions, kept, keepPresent: true);
            var cache = step.Present.Select((value, i) => CopyRows(value, Signature.Cache[i], [0], head.Count)).ToList();
            Prefixes.Add(new CachedPrefix(head, logProbs: null, cache, cache.Sum(SizeInBytes)));
            return step.Present.Select((value, i) => CopyRows(value, Signature.Cache[i], new int[rows], head.Count)).ToList();
        }
        finally
        {
            DisposeAll(kept);
        }
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
        return Enumerable.Range(0, batch).Select(b => RowLogProbs(result, ids, b, sequences[b].Count, length)).ToList();
    }

    /// <summary>log p(token_t | before t) for the real tokens (t ≥ 1) of one left-padded row of a forward pass.</summary>
    private double[] RowLogProbs(StepOutputs logits, long[] ids, int row, int count, int length)
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
    /// Per-token log-probabilities of sequences scored through their prefix tree: a run of tokens shared by several
    /// sequences (a subject's few-shot examples, a question's prompt) is run once, and what follows it continues from a
    /// copy of its KV cache, one tree level per forward pass. A sequence that starts with a prefix kept from an earlier
    /// call starts from that prefix's cache. Results equal <see cref="TokenLogProbs"/> on the full sequences.
    /// </summary>
    /// <param name="sequences">The sequences.</param>
    /// <param name="minShared">The fewest tokens worth sharing.</param>
    /// <param name="cancellationToken">Stops between passes.</param>
    public IReadOnlyList<double[]> TokenLogProbsSharingPrefixes(IReadOnlyList<IReadOnlyList<int>> sequences, int minShared, CancellationToken cancellationToken = default)
    {
        // logProbs[i][t] = log p(token t | tokens before t); index 0 has none.
        var logProbs = sequences.Select(s => new double[s.Count]).ToArray();
        var groups = Enumerable.Range(0, sequences.Count)
            .GroupBy(i => Prefixes.Match(sequences[i], minShared, scored: true) is { } hit ? (hit.Entry, Past: hit.Shared - 1) : (Entry: (CachedPrefix?)null, Past: 0))
            .ToList();
        // New prefixes are kept only once every group has run: keeping one can evict an entry a later group starts from.
        var kept = new List<CachedPrefix>();
        try
        {
            foreach (var group in groups)
            {
                var (entry, past) = group.Key;
                foreach (var i in entry is null ? Enumerable.Empty<int>() : group)
                {
                    // The first token after the kept part is run again (its logits score the token after it); its own
                    // log-probability and those before it are the cached prefix's.
                    Array.Copy(entry!.LogProbs!, 1, logProbs[i], 1, past);
                }

                var roots = PrefixTree.Build(sequences, group, past, minShared);
                kept.AddRange(ScoreTree(roots, entry, past, sequences, logProbs, minShared, cancellationToken));
            }
        }
        catch
        {
            kept.ForEach(k => k.Dispose());
            throw;
        }

        kept.ForEach(Prefixes.Add);
        return logProbs.Select(row => row.Length > 0 ? row[1..] : row).ToArray();
    }

    /// <summary>The prefixes kept between scoring calls.</summary>
    public PrefixCache Prefixes { get; } = new(maxEntries: 16, maxBytes: 256L << 20);

    /// <summary>
    /// Runs one group's tree level by level; returns its shared top nodes to be kept (a subject's shots, or a lone
    /// question's prompt, whose shots a later question of the subject starts from).
    /// </summary>
    private List<CachedPrefix> ScoreTree(List<PrefixNode> roots, CachedPrefix? entry, int pastLength, IReadOnlyList<IReadOnlyList<int>> sequences, double[][] logProbs, int minShared, CancellationToken cancellationToken)
    {
        var level = roots;
        var pastMasks = roots.Select(_ => Enumerable.Repeat(1L, pastLength).ToArray()).ToList();
        IReadOnlyList<OrtValue>? past = entry is null ? null
            : entry.Cache.Select((value, i) => CopyRows(value, Signature.Cache[i], new int[roots.Count], pastLength)).ToList();
        var kept = new List<(PrefixNode Node, List<OrtValue> Cache)>();
        try
        {
            while (level.Count > 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var rows = level.Count;
                var (ids, mask, positions, segmentLength) = RightPadOnPast(level.Select((n, r) => (n.Segment, n.Start, pastMasks[r])).ToList());
                var total = pastLength + segmentLength;
                using var step = Forward(ids, rows, segmentLength, mask, positions, past, keepPresent: level.Any(n => n.Children.Count > 0));
                DisposeAll(past);
                past = null;

                var next = new List<PrefixNode>();
                var parentRows = new List<int>();
                for (var r = 0; r < rows; r++)
                {
                    var node = level[r];
                    var members = node.Sequences.ToList();
                    for (var j = 1; j < node.Segment.Count; j++)
                    {
                        var value = LogSoftmaxAt(step, r, j - 1, segmentLength, node.Segment[j]);
                        members.ForEach(i => logProbs[i][node.Start + j] = value);
                    }

                    foreach (var child in node.Children)
                    {
                        var value = LogSoftmaxAt(step, r, node.Segment.Count - 1, segmentLength, child.Segment[0]);
                        child.Sequences.ToList().ForEach(i => logProbs[i][child.Start] = value);
                        next.Add(child);
                        parentRows.Add(r);
                    }

                    if (level == roots && node.Children.Count > 0 && node.Start + node.Segment.Count >= minShared)
                    {
                        kept.Add((node, step.Present.Select((value, i) => CopyRows(value, Signature.Cache[i], [r], node.Start + node.Segment.Count)).ToList()));
                    }
                }

                if (next.Count > 0)
                {
                    var gather = parentRows.ToArray();
                    past = step.Present.Select((value, i) => CopyRows(value, Signature.Cache[i], gather, total)).ToList();
                    pastMasks = parentRows.Select(r => mask[(r * total)..((r + 1) * total)]).ToList();
                }

                level = next;
                pastLength = total;
            }

            var prefixes = kept.Select(k =>
            {
                var length = k.Node.Start + k.Node.Segment.Count;
                var member = k.Node.Sequences.First();
                return new CachedPrefix(sequences[member].Take(length).ToArray(), logProbs[member][..length], k.Cache, k.Cache.Sum(SizeInBytes));
            }).ToList();
            kept.Clear();
            return prefixes;
        }
        finally
        {
            DisposeAll(past);
            kept.ForEach(k => DisposeAll(k.Cache));
        }
    }

    private static void DisposeAll(IEnumerable<OrtValue>? values)
    {
        foreach (var value in values ?? [])
        {
            value.Dispose();
        }
    }

    private static long SizeInBytes(OrtValue value)
    {
        var info = value.GetTensorTypeAndShape();
        return info.ElementCount * (info.ElementDataType == TensorElementType.Float16 ? 2 : 4);
    }

    /// <summary>
    /// The first <paramref name="count"/> positions of batch rows of a KV tensor (row <c>rows[i]</c> becomes row i), for
    /// any layout and element type.
    /// </summary>
    private static OrtValue CopyRows(OrtValue source, KvSlot slot, int[] rows, int count)
    {
        var sourceShape = source.GetTensorTypeAndShape().Shape;
        var outer = slot.Kind == KvKind.Stacked ? 2 : 1;
        var layout = new KvLayout(outer, (int)sourceShape[slot.Kind == KvKind.Stacked ? 1 : 0], (int)sourceShape[^3], (int)sourceShape[^2], (int)sourceShape[^1]);
        var shape = slot.Shape(rows.Length, count);
        if (slot.ElementType == TensorElementType.Float16)
        {
            var target = new Float16[outer * rows.Length * layout.Heads * count * layout.HeadSize];
            Copy(source.GetTensorDataAsSpan<Float16>(), target, rows, count, layout);
            return OrtValue.CreateTensorValueFromMemory(target, shape);
        }
        else
        {
            var target = new float[outer * rows.Length * layout.Heads * count * layout.HeadSize];
            Copy(source.GetTensorDataAsSpan<float>(), target, rows, count, layout);
            return OrtValue.CreateTensorValueFromMemory(target, shape);
        }
    }

    private readonly record struct KvLayout(int Outer, int Batch, int Heads, int Length, int HeadSize);

    private static void Copy<T>(ReadOnlySpan<T> source, Span<T> target, int[] rows, int count, KvLayout from)
    {
        var block = count * from.HeadSize;
        for (var o = 0; o < from.Outer; o++)
        {
            for (var r = 0; r < rows.Length; r++)
            {
                for (var h = 0; h < from.Heads; h++)
                {
                    var sourceAt = ((((o * from.Batch) + rows[r]) * from.Heads) + h) * from.Length * from.HeadSize;
                    var targetAt = ((((o * rows.Length) + r) * from.Heads) + h) * block;
                    source.Slice(sourceAt, block).CopyTo(target.Slice(targetAt, block));
                }
            }
        }
    }

    /// <summary>
    /// What a batch of <paramref name="rows"/> rows reaching <paramref name="tokens"/> tokens takes at its largest: one
    /// pass over the first <c>tokens − decodeSteps</c> tokens, then <paramref name="decodeSteps"/> one-token steps on its
    /// KV cache (none for scoring). Returns how long the pass ran and the mean step.
    /// </summary>
    public (TimeSpan Pass, TimeSpan Step) Probe(int rows, int tokens, int decodeSteps, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var length = Math.Max(1, tokens - decodeSteps);
        var ids = Enumerable.Repeat((long)_padId, rows * length).ToArray();
        var positions = Enumerable.Range(0, rows).SelectMany(_ => Enumerable.Range(0, length).Select(t => (long)t)).ToArray();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var step = Forward(ids, rows, length, Enumerable.Repeat(1L, rows * length).ToArray(), positions, past: null, keepPresent: decodeSteps > 0);
        var pass = clock.Elapsed;
        try
        {
            clock.Restart();
            for (var s = 0; s < decodeSteps; s++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var total = length + s + 1;
                var next = Forward(Enumerable.Repeat((long)_padId, rows).ToArray(), rows, 1, Enumerable.Repeat(1L, rows * total).ToArray(), Enumerable.Repeat((long)total - 1, rows).ToArray(), step.Present, keepPresent: true);
                step.Dispose();
                step = next;
            }

            return (pass, decodeSteps == 0 ? TimeSpan.Zero : clock.Elapsed / decodeSteps);
        }
        finally
        {
            step.Dispose();
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
        var vocab = result.Vocab;
        return Row(result, (long)(length - 1) * vocab, new float[vocab]).ToArray();
    }

    /// <summary>
    /// Rows that continue a KV past: each row's tokens right-padded to one length (with a causal model, padding after a
    /// token cannot change it), its past's mask followed by its own, and positions counting on from its real tokens.
    /// </summary>
    private (long[] Ids, long[] Mask, long[] Positions, int Length) RightPadOnPast(IReadOnlyList<(IReadOnlyList<int> Tokens, int Start, long[] PastMask)> rows)
    {
        var length = rows.Max(r => r.Tokens.Count);
        var pastLength = rows[0].PastMask.Length;
        var total = pastLength + length;
        var ids = new long[rows.Count * length];
        var mask = new long[rows.Count * total];
        var positions = new long[rows.Count * length];
        for (var b = 0; b < rows.Count; b++)
        {
            var (tokens, start, pastMask) = rows[b];
            pastMask.CopyTo(mask, b * total);
            for (var j = 0; j < length; j++)
            {
                var real = j < tokens.Count;
                ids[(b * length) + j] = real ? tokens[j] : _padId;
                mask[(b * total) + pastLength + j] = real ? 1 : 0;
                positions[(b * length) + j] = start + j;
            }
        }

        return (ids, mask, positions, length);
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
            var step = LogitsBytes(batch, seq) > int.MaxValue
                ? StepOutputs.RunLarge(_session, options, names, values, outputNames, Signature, batch, seq, total, _vocab)
                : new StepOutputs(_session.Run(options, names, values, outputNames), keepPresent);
            ForwardPasses++;
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

    private static OrtValue IntTensor(TensorElementType type, long[] values, long[] shape) => type == TensorElementType.Int32
        ? OrtValue.CreateTensorValueFromMemory(values.Select(v => (int)v).ToArray(), shape)
        : OrtValue.CreateTensorValueFromMemory(values, shape);

    private int ArgMax(StepOutputs logits, int row, int position, int seq)
    {
        var vocab = logits.Vocab;
        Span<float> scratch = vocab <= 4096 ? stackalloc float[vocab] : new float[vocab];
        var values = Row(logits, (((long)row * seq) + position) * vocab, scratch);
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

    private double LogSoftmaxAt(StepOutputs logits, int row, int position, int seq, int token)
    {
        var vocab = logits.Vocab;
        Span<float> scratch = vocab <= 4096 ? stackalloc float[vocab] : new float[vocab];
        return LogSoftmax(Row(logits, (((long)row * seq) + position) * vocab, scratch), token, scratch);
    }

    /// <summary>
    /// log softmax(values)[token] = values[token] − max − log Σ exp(values − max), vectorized: it runs once per scored
    /// token over the whole vocabulary, the one piece of work per position a bare session.Run loop does not do.
    /// </summary>
    private static double LogSoftmax(ReadOnlySpan<float> values, int token, Span<float> scratch)
    {
        // Read before scratch is written: for an fp16 graph, values are scratch.
        var logit = values[token];
        var max = TensorPrimitives.Max(values);
        TensorPrimitives.Subtract(values, max, scratch);
        TensorPrimitives.Exp(scratch, scratch);
        return logit - (double)max - Math.Log(TensorPrimitives.Sum(scratch));
    }

    /// <summary>The bytes a pass's logits take ([batch, seq, vocab]); 0 when the graph does not state its vocabulary.</summary>
    private long LogitsBytes(int batch, int seq) =>
        _vocab <= 0 ? 0 : (long)batch * seq * _vocab * (Signature.LogitsType == TensorElementType.Float16 ? 2 : 4);

    /// <summary>One position's logits: read in place from a float graph, converted into <paramref name="scratch"/> from an fp16 one.</summary>
    private ReadOnlySpan<float> Row(StepOutputs logits, long offset, Span<float> scratch)
    {
        if (Signature.LogitsType != TensorElementType.Float16)
        {
            return logits.Row<float>(offset, scratch.Length);
        }

        var source = logits.Row<Float16>(offset, scratch.Length);
        for (var i = 0; i < scratch.Length; i++)
        {
            scratch[i] = (float)source[i];
        }

        return scratch;
    }

    public void Dispose()
    {
        Prefixes.Dispose();
        _session.Dispose();
    }

    /// <summary>
    /// The outputs of one forward pass; the present values become the next step's past. Logits of up to 2 GiB are ONNX
    /// Runtime's own buffer, read through its spans; larger ones (a long prompt of a 150k-token vocabulary: 4,096 × 151,936
    /// floats is 2.5 GB) go to native memory of our own, since the C# API's spans stop at 2 GiB.
    /// </summary>
    private sealed unsafe class StepOutputs : IDisposable
    {
        private readonly IReadOnlyList<OrtValue> _outputs;
        private readonly OrtValue _logits;
        private readonly void* _largeLogits;

        public StepOutputs(IDisposableReadOnlyCollection<OrtValue> outputs, bool hasPresent)
        {
            _outputs = outputs;
            _logits = outputs[0];
            Present = hasPresent ? [.. outputs.Skip(1)] : [];
            Vocab = (int)_logits.GetTensorTypeAndShape().Shape[^1];
        }

        private StepOutputs(List<OrtValue> outputs, void* largeLogits, int vocab, bool hasPresent)
        {
            _outputs = outputs;
            _logits = outputs[0];
            _largeLogits = largeLogits;
            Present = hasPresent ? [.. outputs.Skip(1)] : [];
            Vocab = vocab;
        }

        public int Vocab { get; }

        public List<OrtValue> Present { get; }

        /// <summary>Runs a pass whose logits exceed 2 GiB into buffers allocated here (presents as [batch, heads, total, head]).</summary>
        public static StepOutputs RunLarge(InferenceSession session, RunOptions options, List<string> names, List<OrtValue> values, IReadOnlyList<string> outputNames,
            DecoderSignature signature, int batch, int seq, int total, int vocab)
        {
            var elementSize = signature.LogitsType == TensorElementType.Float16 ? 2 : 4;
            var bytes = (long)batch * seq * vocab * elementSize;
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
                return new StepOutputs(outputs, buffer, vocab, outputNames.Count > 1);
            }
            catch
            {
                outputs.ForEach(output => output.Dispose());
                NativeMemory.Free(buffer);
                throw;
            }
        }

        /// <summary>The logits from an element offset (row × seq + position) × vocab.</summary>
        public ReadOnlySpan<T> Row<T>(long offset, int length)
            where T : unmanaged =>
            _largeLogits is not null
                ? new ReadOnlySpan<T>((T*)_largeLogits + offset, length)
                : _logits.GetTensorDataAsSpan<T>().Slice(checked((int)offset), length);

        public void Dispose()
        {
            if (_outputs is IDisposable collection)
            {
                collection.Dispose();
            }
            else
            {
                foreach (var output in _outputs)
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
}
