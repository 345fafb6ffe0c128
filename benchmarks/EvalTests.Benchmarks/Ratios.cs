using System.Diagnostics;
using System.Globalization;
using EvalTests.Models;
using Microsoft.ML.OnnxRuntime;

namespace EvalTests.Benchmarks;

/// <summary>
/// <c>ratios</c>: the speed ratios the README reports, measured in one process on one machine (best of three each; (a)
/// best of five, interleaved):
/// harness ÷ a raw ONNX Runtime loop doing the same forward passes (ppl, and generation), ppl without ÷ with prompt
/// reuse, unbatched ÷ batched generation, generation one prompt at a time without ÷ with the shots kept between calls,
/// and the peak working set.
/// </summary>
public static class Ratios
{
    public static async Task<int> RunAsync(string[] args)
    {
        var model = args.Length > 0 ? args[0] : "stories260K";
        var questions = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 8;
        var batchSize = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 16;
        Console.WriteLine($"model {model}, C-Eval computer_network, {questions} questions, ppl batches of {batchSize} requests, {Environment.ProcessorCount} cores");

        await using var shared = Workload.Load(model, sharePrefixes: true);
        await using var unshared = Workload.Load(model, sharePrefixes: false);
        var ppl = Workload.PplRequests(shared, questions);
        var batches = ppl.Chunk(batchSize).Select(b => b.ToList()).ToList();

        // (a) The harness's ppl scoring without reuse against a bare session.Run over the same padded batches, their
        // repetitions interleaved so that a slow spell of the machine falls on both sides.
        using var session = new InferenceSession(Path.Combine(Workload.SharedRoot, "models", model, "onnx", "model.onnx"));
        var sequences = batches.Select(b => b.Select(r => unshared.Encode(r.Prompt.ToPlainText()).TakeLast(unshared.Descriptor.MaxSequenceLength ?? int.MaxValue).ToList()).ToList()).ToList();
        var (harness, raw) = await BestOfInterleavedAsync(
            async () =>
            {
                foreach (var batch in batches)
                {
                    await unshared.LogLikelihoodAsync(batch);
                }
            },
            () =>
            {
                foreach (var batch in sequences)
                {
                    RawForward(session, batch);
                }

                return Task.CompletedTask;
            });

        // (b) ppl through the prefix tree (the subject's shots once, each question once, then its options), against every
        // option encoded whole. Each repetition starts cold: no prefix is kept from the one before.
        var hits = 0L;
        var reused = await BestOfAsync(async () =>
        {
            shared.Decoder.Prefixes.Clear();
            var before = shared.Decoder.Prefixes.Hits;
            foreach (var batch in batches)
            {
                await shared.LogLikelihoodAsync(batch);
            }

            hits = shared.Decoder.Prefixes.Hits - before;
        });

        // (c) 16 prompts generating 16 tokens: one batch against one call each, neither starting from a kept prefix.
        // (e) One call each again, with the subject's shots kept from the call before (each repetition starts cold).
        var gen = Workload.GenRequests(shared, 16, 16);
        var batched = await BestOfAsync(async () =>
        {
            shared.Decoder.Prefixes.Clear();
            await shared.GenerateAsync(gen);
        });
        var unbatched = await BestOfAsync(async () =>
        {
            foreach (var request in gen)
            {
                await unshared.GenerateAsync([request]);
            }
        });
        var unbatchedKept = await BestOfAsync(async () =>
        {
            shared.Decoder.Prefixes.Clear();
            foreach (var request in gen)
            {
                await shared.GenerateAsync([request]);
            }
        });

        // (f) The harness generating that batch without sharing against a bare greedy session.Run loop making the same
        // forward passes (one over the left-padded prompts, then one token per row and step on the returned KV cache).
        var passesBefore = unshared.Decoder.ForwardPasses;
        await unshared.GenerateAsync(gen);
        var passes = (int)(unshared.Decoder.ForwardPasses - passesBefore);
        var genPrompts = gen.Select(r => unshared.Encode(r.Prompt.ToPlainText()).ToList()).ToList();
        var (harnessGen, rawGen) = await BestOfInterleavedAsync(
            async () => await unshared.GenerateAsync(gen),
            () =>
            {
                RawGenerate(session, genPrompts, passes);
                return Task.CompletedTask;
            });

        Console.WriteLine(FormattableString.Invariant($"(a) harness / raw ONNX Runtime loop, ppl forward passes: {harness.TotalSeconds:F3} s / {raw.TotalSeconds:F3} s = {harness / raw:F2} (target <= 1.10)"));
        Console.WriteLine(FormattableString.Invariant($"(b) ppl 5-shot without / with prompt reuse:              {harness.TotalSeconds:F3} s / {reused.TotalSeconds:F3} s = {harness / reused:F2} (target >= 3; {hits} of {ppl.Count} sequences started from a kept prefix)"));
        Console.WriteLine(FormattableString.Invariant($"(c) generation unbatched / batched (16 x 16 tokens):       {unbatched.TotalSeconds:F3} s / {batched.TotalSeconds:F3} s = {unbatched / batched:F2}"));
        Console.WriteLine(FormattableString.Invariant($"(e) generation one call each, without / with kept shots: {unbatched.TotalSeconds:F3} s / {unbatchedKept.TotalSeconds:F3} s = {unbatched / unbatchedKept:F2}"));
        Console.WriteLine(FormattableString.Invariant($"(f) harness / raw ONNX Runtime loop, generation ({passes} passes):  {harnessGen.TotalSeconds:F3} s / {rawGen.TotalSeconds:F3} s = {harnessGen / rawGen:F2}"));
        Console.WriteLine(FormattableString.Invariant($"(d) peak working set: {Process.GetCurrentProcess().PeakWorkingSet64 / 1024.0 / 1024.0:F0} MiB"));
        return 0;
    }

    /// <summary>The best of five timings of each of two pieces of work, run alternately after one warm-up each.</summary>
    private static async Task<(TimeSpan First, TimeSpan Second)> BestOfInterleavedAsync(Func<Task> first, Func<Task> second)
    {
        await first();
        await second();
        var (bestFirst, bestSecond) = (TimeSpan.MaxValue, TimeSpan.MaxValue);
        for (var i = 0; i < 5; i++)
        {
            var clock = Stopwatch.StartNew();
            await first();
            bestFirst = clock.Elapsed < bestFirst ? clock.Elapsed : bestFirst;
            clock.Restart();
            await second();
            bestSecond = clock.Elapsed < bestSecond ? clock.Elapsed : bestSecond;
        }

        return (bestFirst, bestSecond);
    }

    private static async Task<TimeSpan> BestOfAsync(Func<Task> work)
    {
        await work();
        var best = TimeSpan.MaxValue;
        for (var i = 0; i < 3; i++)
        {
            var clock = Stopwatch.StartNew();
            await work();
            best = clock.Elapsed < best ? clock.Elapsed : best;
        }

        return best;
    }

    /// <summary>One forward pass over left-padded sequences with an empty KV past: the least any harness must do.</summary>
    private static void RawForward(InferenceSession session, List<List<int>> batch)
    {
        var rows = batch.Count;
        var (ids, mask, positions, length) = LeftPad(batch);

        var values = new List<OrtValue>();
        var names = new List<string>();
        try
        {
            foreach (var (name, meta) in session.InputMetadata)
            {
                names.Add(name);
                values.Add(name switch
                {
                    "input_ids" => OrtValue.CreateTensorValueFromMemory(ids, [rows, length]),
                    "attention_mask" => OrtValue.CreateTensorValueFromMemory(mask, [rows, length]),
                    "position_ids" => OrtValue.CreateTensorValueFromMemory(positions, [rows, length]),
                    _ => OrtValue.CreateTensorValueFromMemory(Array.Empty<float>(), [rows, meta.Dimensions[1], 0, meta.Dimensions[3]]),
                });
            }

            using var outputs = session.Run(new RunOptions(), names, values, ["logits"]);
        }
        finally
        {
            foreach (var value in values)
            {
                value.Dispose();
            }
        }
    }

    /// <summary>Greedy decoding the plainest way: left-padded prompts, then <paramref name="passes"/> − 1 one-token steps carrying the KV cache.</summary>
    private static void RawGenerate(InferenceSession session, List<List<int>> prompts, int passes)
    {
        var rows = prompts.Count;
        var (ids, mask, positions, length) = LeftPad(prompts);

        var pastNames = session.InputMetadata.Keys.Where(n => n.StartsWith("past_key_values", StringComparison.Ordinal)).ToList();
        var outputNames = pastNames.Select(n => n.Replace("past_key_values", "present", StringComparison.Ordinal)).Prepend("logits").ToList();
        var empty = pastNames.Select(n => OrtValue.CreateTensorValueFromMemory(Array.Empty<float>(), [rows, session.InputMetadata[n].Dimensions[1], 0, session.InputMetadata[n].Dimensions[3]])).ToList();
        IReadOnlyList<OrtValue> past = empty;
        var lastPosition = prompts.Select(p => (long)p.Count - 1).ToArray();
        var (seq, total) = (length, length);
        IDisposableReadOnlyCollection<OrtValue>? outputs = null;
        for (var pass = 0; pass < passes; pass++)
        {
            using var idsValue = OrtValue.CreateTensorValueFromMemory(ids, [rows, seq]);
            using var maskValue = OrtValue.CreateTensorValueFromMemory(mask, [rows, total]);
            using var positionsValue = OrtValue.CreateTensorValueFromMemory(positions, [rows, seq]);
            var next = session.Run(new RunOptions(), ["input_ids", "attention_mask", "position_ids", .. pastNames], [idsValue, maskValue, positionsValue, .. past], outputNames);
            outputs?.Dispose();
            outputs = next;
            past = [.. outputs.Skip(1)];

            var logits = outputs[0].GetTensorDataAsSpan<float>();
            var vocab = (int)outputs[0].GetTensorTypeAndShape().Shape[^1];
            ids = new long[rows];
            for (var r = 0; r < rows; r++)
            {
                var row = logits.Slice(((r * seq) + seq - 1) * vocab, vocab);
                ids[r] = row.IndexOf(System.Numerics.Tensors.TensorPrimitives.Max(row));
            }

            total++;
            var grown = new long[rows * total];
            for (var r = 0; r < rows; r++)
            {
                Array.Copy(mask, r * (total - 1), grown, r * total, total - 1);
                grown[(r * total) + total - 1] = 1;
            }

            mask = grown;
            positions = lastPosition.Select(p => p + 1).ToArray();
            lastPosition = positions;
            seq = 1;
        }

        outputs?.Dispose();
        empty.ForEach(value => value.Dispose());
    }

    /// <summary>Rows left-padded to one length, with their attention mask and position ids.</summary>
    private static (long[] Ids, long[] Mask, long[] Positions, int Length) LeftPad(List<List<int>> rows)
    {
        var length = rows.Max(r => r.Count);
        var ids = new long[rows.Count * length];
        var mask = new long[rows.Count * length];
        var positions = new long[rows.Count * length];
        for (var r = 0; r < rows.Count; r++)
        {
            var offset = length - rows[r].Count;
            for (var i = 0; i < rows[r].Count; i++)
            {
                ids[(r * length) + offset + i] = rows[r][i];
                mask[(r * length) + offset + i] = 1;
                positions[(r * length) + offset + i] = i;
            }
        }

        return (ids, mask, positions, length);
    }
}
