using Microsoft.ML.OnnxRuntime;
using EvalTests.Onnx.Loading;

namespace EvalTests.Onnx.Inference;

/// <summary>The greedy continuation of one row: its token ids and why it stopped.</summary>
internal sealed record GeneratedSequence(IReadOnlyList<int> Tokens, bool HitEos)
{
    /// <summary>Each generated token's log-probability and likeliest alternatives, when they were asked for.</summary>
    public IReadOnlyList<GeneratedToken>? LogProbs { get; init; }
}

/// <summary>A generated token's log-probability under the model and the likeliest tokens at its position.</summary>
internal sealed record GeneratedToken(int Token, double LogProb, IReadOnlyList<(int Token, double LogProb)> Top);

/// <summary>
/// Token-level decoder over an ONNX causal LM, a facade over its parts: <see cref="ForwardPass"/> (inputs, padding, one
/// pass), <see cref="StepOutputs"/> (logits and their maths), <see cref="KvRows"/> (KV cache rows),
/// <see cref="GreedyGenerator"/> and <see cref="PrefixScorer"/>, sharing one <see cref="PrefixCache"/>. Knows nothing of text.
/// </summary>
internal sealed class OnnxDecoder : IDisposable
{
    private readonly ForwardPass _forward;
    private readonly GreedyGenerator _generator;
    private readonly PrefixScorer _scorer;

    public OnnxDecoder(InferenceSession session, DecoderSignature signature, int padId)
    {
        _forward = new ForwardPass(session, signature, padId);
        _generator = new GreedyGenerator(_forward, Prefixes);
        _scorer = new PrefixScorer(_forward, Prefixes);
    }

    public DecoderSignature Signature => _forward.Signature;

    /// <summary>The number of forward passes run, for tests and benchmarks.</summary>
    public long ForwardPasses => _forward.Passes;

    /// <summary>The number of token positions run (rows × tokens per row), for tests and benchmarks.</summary>
    public long TokensRun => _forward.TokensRun;

    /// <summary>
    /// The prefixes kept between calls. Their bytes bound the memory; the entry count only bounds the matching, so it is
    /// generous: a run over many small subjects keeps each subject's shots and the parts calls went on to share.
    /// </summary>
    public PrefixCache Prefixes { get; } = new(maxEntries: 64, maxBytes: 256L << 20);

    /// <inheritdoc cref="GreedyGenerator.Generate"/>
    public IReadOnlyList<GeneratedSequence> Generate(IReadOnlyList<IReadOnlyList<int>> prompts, int maxNewTokens, IReadOnlyCollection<int> eosIds,
        Func<int, IReadOnlyList<int>, bool>? shouldStop = null, int minShared = int.MaxValue, IReadOnlyList<TokenSampler>? samplers = null, int? logProbs = null, CancellationToken cancellationToken = default) =>
        _generator.Generate(prompts, maxNewTokens, eosIds, shouldStop, minShared, samplers, logProbs, cancellationToken);

    /// <summary>
    /// Each next-token distribution of one sequence: for position k (predicting token k + 1) the log-probability of that
    /// token and the <paramref name="count"/> likeliest tokens, from one full pass without a cache.
    /// </summary>
    public IReadOnlyList<GeneratedToken> PositionLogProbs(IReadOnlyList<int> sequence, int count)
    {
        var length = sequence.Count;
        using var result = _forward.Run([.. sequence.Select(i => (long)i)], 1, length, Enumerable.Repeat(1L, length).ToArray(), [.. Enumerable.Range(0, length).Select(i => (long)i)], past: null, keepPresent: false);
        return [.. Enumerable.Range(0, length - 1).Select(k =>
        {
            var (logProb, top) = result.Distribution(0, k, length, sequence[k + 1], count);
            return new GeneratedToken(sequence[k + 1], logProb, top);
        })];
    }

    /// <inheritdoc cref="PrefixScorer.TokenLogProbs"/>
    public IReadOnlyList<double[]> TokenLogProbs(IReadOnlyList<IReadOnlyList<int>> sequences, CancellationToken cancellationToken = default) =>
        _scorer.TokenLogProbs(sequences, cancellationToken);

    /// <inheritdoc cref="PrefixScorer.TokenLogProbsSharingPrefixes"/>
    public IReadOnlyList<double[]> TokenLogProbsSharingPrefixes(IReadOnlyList<IReadOnlyList<int>> sequences, int minShared, CancellationToken cancellationToken = default) =>
        _scorer.TokenLogProbsSharingPrefixes(sequences, minShared, cancellationToken);

    /// <summary>
    /// What a batch of <paramref name="rows"/> rows reaching <paramref name="tokens"/> tokens takes at its largest: one
    /// pass over the first <c>tokens − decodeSteps</c> tokens, then <paramref name="decodeSteps"/> one-token steps on its
    /// KV cache (none for scoring). Returns how long the pass ran and the mean step.
    /// </summary>
    public (TimeSpan Pass, TimeSpan Step) Probe(int rows, int tokens, int decodeSteps, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var length = Math.Max(1, tokens - decodeSteps);
        var ids = Enumerable.Repeat((long)_forward.PadId, rows * length).ToArray();
        var positions = Enumerable.Range(0, rows).SelectMany(_ => Enumerable.Range(0, length).Select(t => (long)t)).ToArray();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var step = _forward.Run(ids, rows, length, Enumerable.Repeat(1L, rows * length).ToArray(), positions, past: null, keepPresent: decodeSteps > 0);
        var pass = clock.Elapsed;
        try
        {
            clock.Restart();
            for (var s = 0; s < decodeSteps; s++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var total = length + s + 1;
                var next = _forward.Run(Enumerable.Repeat((long)_forward.PadId, rows).ToArray(), rows, 1, Enumerable.Repeat(1L, rows * total).ToArray(), Enumerable.Repeat((long)total - 1, rows).ToArray(), step.Present, keepPresent: true);
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
        using var result = _forward.Run(ids, 1, length, mask, positions, past: null, keepPresent: false);
        return result.PositionLogits(0, length - 1, length);
    }

    public void Dispose()
    {
        Prefixes.Dispose();
        _forward.Dispose();
    }
}
