using EvalTests.Models;
using EvalTests.Onnx.Inference;
using EvalTests.Onnx.Loading;
using EvalTests.Onnx.Prompting;
using EvalTests.Onnx.Tokenization;
using EvalTests.Prompts;
using EvalTests.Runs;
using Microsoft.ML.OnnxRuntime;

namespace EvalTests.Onnx;

/// <summary>
/// A local ONNX causal language model: tokenizes prompts as plain text (OpenCompass's rendering for models without a
/// meta template), generates greedily with a KV cache, and scores log-likelihoods, in batches with left padding.
/// </summary>
public sealed class OnnxLanguageModel : ILanguageModel, ITextCompletionModel, ITokenCounter, IBatchCapacity, IReportsWork
{
    private readonly OnnxDecoder _decoder;
    private readonly ITextTokenizer _tokenizer;
    private readonly ModelConfig _config;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly int _contextLength;
    private readonly PromptCodec _prompts;
    private long _naivePositions;
    private long _probePositions;

    private OnnxLanguageModel(OnnxDecoder decoder, ITextTokenizer tokenizer, PromptCodec prompts, ModelConfig config, ModelDescriptor descriptor, string providerDescription, int contextLength)
    {
        _prompts = prompts;
        _decoder = decoder;
        _tokenizer = tokenizer;
        _config = config;
        Descriptor = descriptor;
        ProviderDescription = providerDescription;
        _contextLength = contextLength;
    }

    /// <inheritdoc/>
    public ModelDescriptor Descriptor { get; }

    /// <summary>Which execution provider runs the model, and why (one line, for the user).</summary>
    public string ProviderDescription { get; }

    internal OnnxDecoder Decoder => _decoder;

    /// <summary>Whether a prefix shared by several prompts or options is encoded once (false once the graph refuses it).</summary>
    public bool SharesPrefixes { get; private set; } = true;

    internal ITextTokenizer Tokenizer => _tokenizer;

    /// <inheritdoc/>
    public WorkCounts Work => new(_decoder.TokensRun - _probePositions, _naivePositions);

    /// <summary>Whether the checkpoint is evaluated as a base or a chat model.</summary>
    public HfType HfType => _prompts.HfType;

    /// <summary>Loads a model folder.</summary>
    /// <exception cref="ModelLoadException">A file is missing or the graph's inputs match no known decoder layout.</exception>
    public static OnnxLanguageModel Load(OnnxModelOptions options)
    {
        var folder = OnnxModelFolder.Open(options.ModelFolder, options.TokenizerFolder);
        var (session, provider) = ExecutionProviders.OpenSession(folder.OnnxFile, options.Provider, options.IntraOpThreads);
        try
        {
            var signature = DecoderSignature.Read(session, folder.Config, folder.OnnxFile);
            var tokenizer = TokenizerLoader.Load(folder.TokenizerFolder, folder.Config);
            var prompts = PromptCodec.Create(tokenizer, folder.Config, folder.TokenizerFolder, options.HfType);
            var padId = folder.Config.PadTokenId ?? (folder.Config.EosTokenIds.Count > 0 ? folder.Config.EosTokenIds[0] : 0);
            var context = options.ContextLength ?? folder.Config.ContextLength
                ?? throw new ModelLoadException($"{folder.Folder}: no context length in config.json (max_position_embeddings) or genai_config.json (context_length); pass one.");
            var abbr = options.Abbr ?? new DirectoryInfo(folder.Folder).Name;
            // A chat model sees other prompts than the same weights as a base model: its answers must not be replayed for it.
            var identity = $"onnx:sha256:{ModelIdentity.Hash(folder)[..16]}{(prompts.HfType == HfType.Chat ? "+chat" : string.Empty)}";
            var descriptor = new ModelDescriptor(abbr, identity, context, ModelCapabilities.Generate | ModelCapabilities.LogLikelihood);
            return new OnnxLanguageModel(new OnnxDecoder(session, signature, padId), tokenizer, prompts, folder.Config, descriptor, provider, context)
            {
                SharesPrefixes = options.SharePrefixes,
            };
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>Whether generation prompts go through the model's chat template (a chat model; else OpenCompass's plain-text rendering).</summary>
    public bool UsesChatTemplate => _prompts.HfType == HfType.Chat;

    /// <summary>Tokens of a text as the model sees it, with the special tokens its tokenizer adds (BOS where it adds one).</summary>
    public IReadOnlyList<int> Encode(string text) => _tokenizer.Encode(text);

    /// <summary>A prompt's ids as scoring encodes them (before truncation); the benchmarks' bare loops take theirs here too.</summary>
    internal IReadOnlyList<int> EncodeForScoring(Prompt prompt) => _prompts.Encode(prompt, forGeneration: false);

    /// <summary>A prompt's ids as generation encodes them; the benchmarks' bare loops take theirs here too.</summary>
    internal IReadOnlyList<int> EncodeForGeneration(Prompt prompt) => _prompts.Encode(prompt, forGeneration: true);

    /// <summary>The ids that end an answer.</summary>
    internal IReadOnlyList<int> EndOfSequenceIds => _config.EosTokenIds;

    /// <inheritdoc cref="PromptCodec.Render"/>
    public string Render(Prompt prompt, bool forGeneration) => _prompts.Render(prompt, forGeneration);

    /// <summary>Text of tokens; any id decodes, those without a token to nothing.</summary>
    public string Decode(IEnumerable<int> ids, bool skipSpecialTokens = false) => _tokenizer.Decode(ids, skipSpecialTokens);

    /// <inheritdoc/>
    public int CountTokens(Prompt prompt) => _prompts.Encode(prompt, forGeneration: prompt.Turns.Count > 0 && prompt.Turns[^1] is { Role: TurnRole.Bot, Text.Length: 0 }).Count;

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<GenerationResult>> GenerateAsync(IReadOnlyList<GenerationRequest> requests, CancellationToken cancellationToken = default) =>
        GenerateEncodedAsync(requests.Select(r => (EncodeForGeneration(r.Prompt), r.Settings with { StopStrings = [.. r.Settings.StopStrings.Union(_prompts.StopWords)] })).ToList(), cancellationToken);

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<GenerationResult>> CompleteTextsAsync(IReadOnlyList<TextCompletionRequest> requests, CancellationToken cancellationToken = default) =>
        GenerateEncodedAsync(requests.Select(r => (Encode(r.Text), r.Settings)).ToList(), cancellationToken);

    private async ValueTask<IReadOnlyList<GenerationResult>> GenerateEncodedAsync(IReadOnlyList<(IReadOnlyList<int> Tokens, GenerationSettings Settings)> requests, CancellationToken cancellationToken)
    {
        if (requests.Count == 0)
        {
            return [];
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var results = new GenerationResult[requests.Count];
            // Requests with different settings cannot share a decoding loop; seeds can (each row draws from its own).
            foreach (var group in requests.Select((r, i) => (r, i)).GroupBy(x => x.r.Settings with { Sampling = x.r.Settings.Sampling is { } s ? s with { Seed = null } : null }))
            {
                var settings = group.Key;
                var maxNew = Math.Clamp(settings.MaxOutputTokens, 1, Math.Max(1, _contextLength - 1));
                var budget = _contextLength - maxNew;
                var items = group.ToList();
                var prompts = items.Select(x => Truncate(x.r.Tokens, budget)).ToList();
                var stops = settings.StopStrings;
                Func<int, IReadOnlyList<int>, bool>? stopped = stops.Count == 0 ? null : (_, tokens) =>
                {
                    var text = _prompts.DecodeOutput(tokens);
                    return stops.Any(s => text.Contains(s, StringComparison.Ordinal));
                };
                var samplers = settings.IsSampled ? items.Select(x => new TokenSampler(x.r.Settings.Sampling)).ToList() : null;
                var sequences = WithSharedPrefixes(share =>
                    _decoder.Generate(prompts, maxNew, _config.EosTokenIds.ToHashSet(), stopped, share ? MinSharedPrefix : int.MaxValue, samplers, settings.LogProbs, cancellationToken));
                for (var k = 0; k < items.Count; k++)
                {
                    var text = _prompts.DecodeOutput(sequences[k].Tokens);
                    foreach (var stop in stops)
                    {
                        var at = text.IndexOf(stop, StringComparison.Ordinal);
                        if (at >= 0)
                        {
                            text = text[..at];
                        }
                    }

                    // Alone and in full: the prompt, then one position per new token after the first.
                    _naivePositions += prompts[k].Count + Math.Max(0, sequences[k].Tokens.Count - 1);
                    results[items[k].i] = new GenerationResult(text, prompts[k].Count, sequences[k].Tokens.Count, Finish: sequences[k].HitEos || sequences[k].Tokens.Count < maxNew ? FinishReason.Stop : FinishReason.Length)
                    {
                        Tokens = sequences[k].LogProbs is { } logProbs ? ScoredTokens.OfGeneration(_tokenizer, logProbs, text.EnumerateRunes().Count()) : null,
                    };
                }
            }

            return results;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc/>
    public async ValueTask<IReadOnlyList<LogLikelihoodResult>> LogLikelihoodAsync(IReadOnlyList<LogLikelihoodRequest> requests, CancellationToken cancellationToken = default)
    {
        if (requests.Count == 0)
        {
            return [];
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var sequences = new List<IReadOnlyList<int>>(requests.Count);
            var continuation = new int[requests.Count];
            for (var i = 0; i < requests.Count; i++)
            {
                var full = EncodeForScoring(requests[i].Prompt);
                var context = EncodeForScoring(requests[i].Prompt.WithoutLastTurn());
                // CUSTOM: as OpenCompass's Hugging Face models (truncation_side='left'), keep the last max_seq_len tokens.
                var kept = Truncate(full, _contextLength);
                continuation[i] = Math.Clamp(full.Count - context.Count, 0, Math.Max(0, kept.Count - 1));
                sequences.Add(kept);
            }

            var logProbs = ScoreSharingPrefixes(sequences, cancellationToken);
            _naivePositions += sequences.Sum(s => (long)s.Count);
            return logProbs.Select((row, i) => new LogLikelihoodResult(row, continuation[i])).ToList();
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc/>
    public async ValueTask<IReadOnlyList<IReadOnlyList<ScoredToken>>> ScoreTextsAsync(IReadOnlyList<string> texts, int topLogProbs = 0, CancellationToken cancellationToken = default)
    {
        if (texts.Count == 0)
        {
            return [];
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var sequences = texts.Select(t => Truncate(Encode(t), _contextLength)).ToList();
            if (topLogProbs > 0)
            {
                // The alternatives need every position's whole distribution: one full pass per text.
                return [.. sequences.Select(ids =>
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    return (IReadOnlyList<ScoredToken>)ScoredTokens.OfText(_tokenizer, ids, _decoder.PositionLogProbs(ids, topLogProbs));
                })];
            }

            var logProbs = ScoreSharingPrefixes(sequences, cancellationToken);
            return sequences.Select((ids, i) => (IReadOnlyList<ScoredToken>)TokenOffsets.Of(_tokenizer, ids)
                .Select((token, k) => new ScoredToken(token.Text, token.Offset, k == 0 ? null : logProbs[i][k - 1]))
                .ToList()).ToList();
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The fewest tokens worth sharing: below this a prefix pass costs more than it saves.</summary>
    private const int MinSharedPrefix = 16;

    /// <summary>
    /// Scores sequences through their prefix tree (shared runs once, a subject's few-shot prefix kept between calls), or
    /// each in full once the graph has refused sharing.
    /// </summary>
    private double[][] ScoreSharingPrefixes(List<IReadOnlyList<int>> sequences, CancellationToken cancellationToken) =>
        WithSharedPrefixes<double[][]>(share => share
            ? [.. _decoder.TokenLogProbsSharingPrefixes(sequences, MinSharedPrefix, cancellationToken)]
            : [.. _decoder.TokenLogProbs(sequences, cancellationToken)]);

    /// <summary>
    /// Runs a decoder call sharing prefixes while the graph allows it. Some fused attention kernels (GroupQueryAttention
    /// on CPU) refuse a multi-token batch on top of a past; such a model runs without sharing from then on.
    /// </summary>
    private T WithSharedPrefixes<T>(Func<bool, T> run)
    {
        if (SharesPrefixes)
        {
            try
            {
                return run(true);
            }
            catch (OnnxRuntimeException)
            {
                SharesPrefixes = false;
                _decoder.Prefixes.Clear();
            }
        }

        return run(false);
    }

    /// <inheritdoc cref="BatchCapacityProbe.LargestBatch"/>
    public int LargestBatch(int promptTokens, int newTokens, int limit, CancellationToken cancellationToken = default) =>
        LargestBatch(promptTokens, newTokens, limit, BatchCapacityProbe.DefaultMemoryBudget(), BatchCapacityProbe.MinSpeedup, cancellationToken);

    internal int LargestBatch(int promptTokens, int newTokens, int limit, long memoryBudget, double minSpeedup, CancellationToken cancellationToken)
    {
        if (SharesPrefixes)
        {
            // Scoring walks its prefix tree, and prompts sharing a head (a subject's shots, a chat template's system
            // prompt) generate, one row per pass whatever the batch: the size changes neither the work nor its memory,
            // so nothing is probed. A batch stays the unit of progress and checkpoints (and prompts that share nothing
            // are decoded together at this size, as with the default --batch-size).
            return Math.Min(limit, BatchSizeSetting.DefaultSize);
        }

        _gate.Wait(cancellationToken);
        try
        {
            var before = _decoder.TokensRun;
            try
            {
                return BatchCapacityProbe.LargestBatch(_decoder, Math.Clamp(promptTokens + newTokens, 1, _contextLength), newTokens, limit, memoryBudget, minSpeedup, cancellationToken);
            }
            finally
            {
                // Probing is not the plan's work.
                _probePositions += _decoder.TokensRun - before;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private static IReadOnlyList<int> Truncate(IReadOnlyList<int> tokens, int limit) =>
        tokens.Count <= limit ? tokens : tokens.Skip(tokens.Count - limit).ToList();

    /// <inheritdoc/>
    public ValueTask DisposeAsync()
    {
        _decoder.Dispose();
        _gate.Dispose();
        return ValueTask.CompletedTask;
    }
}
