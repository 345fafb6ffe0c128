using System.Security.Cryptography;
using EvalTests.Models;
using EvalTests.Onnx.Inference;
using EvalTests.Onnx.Loading;
using EvalTests.Onnx.Tokenization;
using EvalTests.Prompts;
using EvalTests.Prompts.Jinja;
using Microsoft.ML.OnnxRuntime;

namespace EvalTests.Onnx;

/// <summary>How to load an ONNX model folder.</summary>
public sealed record OnnxModelOptions
{
    /// <summary>The model folder (ONNX file + config.json or genai_config.json + tokenizer files).</summary>
    public required string ModelFolder { get; init; }

    /// <summary>A folder to take the tokenizer from, for model folders that ship none.</summary>
    public string? TokenizerFolder { get; init; }

    /// <summary>The name in reports; defaults to the folder name.</summary>
    public string? Abbr { get; init; }

    /// <summary>CPU, CUDA, or CUDA when available.</summary>
    public ExecutionProviderPreference Provider { get; init; } = ExecutionProviderPreference.Auto;

    /// <summary>The context length; defaults to what the config says.</summary>
    public int? ContextLength { get; init; }

    /// <summary>Whether a prefix shared by several prompts or options is encoded once (default); off only to measure the gain.</summary>
    public bool SharePrefixes { get; init; } = true;

    /// <summary>Threads ONNX Runtime may use inside an operator; null lets it take every core (one model per machine).</summary>
    public int? IntraOpThreads { get; init; }

    /// <summary>
    /// Evaluate the checkpoint as a base or a chat model (OpenCompass's <c>--hf-type</c>); null: chat when the tokenizer
    /// has a chat template, else base.
    /// </summary>
    public HfType? HfType { get; init; }
}

/// <summary>How OpenCompass evaluates a Hugging Face checkpoint (<c>run.py --hf-type</c>).</summary>
public enum HfType
{
    /// <summary>
    /// <c>HuggingFaceBaseModel</c>: the plain-text prompt with the tokenizer's own special tokens; output decoded with
    /// special tokens skipped.
    /// </summary>
    Base,

    /// <summary>
    /// <c>HuggingFacewithChatTemplate</c>: generation prompts through the tokenizer's chat template with the generation
    /// prompt and no added special tokens; output decoded with special tokens and cut at the eos words.
    /// </summary>
    Chat,
}

/// <summary>
/// A local ONNX causal language model: tokenizes prompts as plain text (OpenCompass's rendering for models without a
/// meta template), generates greedily with a KV cache, and scores log-likelihoods, in batches with left padding.
/// </summary>
public sealed class OnnxLanguageModel : ILanguageModel, ITextCompletionModel, ITokenCounter, IBatchCapacity
{
    private readonly OnnxDecoder _decoder;
    private readonly ITextTokenizer _tokenizer;
    private readonly ModelConfig _config;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly int _contextLength;
    private readonly JinjaTemplate? _chatTemplate;
    private readonly string _chatTemplateFile;
    private readonly IReadOnlyList<string> _chatStopWords;

    private OnnxLanguageModel(OnnxDecoder decoder, ITextTokenizer tokenizer, JinjaTemplate? chatTemplate, string chatTemplateFile, ModelConfig config, ModelDescriptor descriptor, string providerDescription, int contextLength)
    {
        _chatTemplate = chatTemplate;
        _chatTemplateFile = chatTemplateFile;
        // As HuggingFacewithChatTemplate: the text of every generation_config eos id and the tokenizer's eos token.
        _chatStopWords = chatTemplate is null ? [] : [.. config.EosTokenIds.Select(id => tokenizer.Decode([id])).Append(config.EosToken ?? string.Empty).Where(w => w.Length > 0).Distinct()];
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

    /// <summary>Whether the checkpoint is evaluated as a base or a chat model.</summary>
    public HfType HfType => _chatTemplate is null ? HfType.Base : HfType.Chat;

    /// <summary>Loads a model folder.</summary>
    /// <exception cref="ModelLoadException">A file is missing or the graph's inputs match no known decoder layout.</exception>
    public static OnnxLanguageModel Load(OnnxModelOptions options)
    {
        var folder = OnnxModelFolder.Open(options.ModelFolder, options.TokenizerFolder);
        var (sessionOptions, provider) = ExecutionProviders.Create(options.Provider);
        if (options.IntraOpThreads is { } threads)
        {
            sessionOptions.IntraOpNumThreads = threads;
        }

        InferenceSession session;
        try
        {
            session = new InferenceSession(folder.OnnxFile, sessionOptions);
        }
        catch (OnnxRuntimeException ex)
        {
            throw new ModelLoadException($"{folder.OnnxFile}: ONNX Runtime cannot load the graph: {ex.Message}");
        }
        finally
        {
            sessionOptions.Dispose();
        }

        try
        {
            var signature = DecoderSignature.Read(session, folder.Config, folder.OnnxFile);
            var tokenizer = TokenizerLoader.Load(folder.TokenizerFolder, folder.Config);
            var hfType = options.HfType ?? (folder.Config.ChatTemplate is null ? HfType.Base : HfType.Chat);
            var templateFile = Path.Combine(folder.TokenizerFolder, "tokenizer_config.json");
            JinjaTemplate? chatTemplate = null;
            if (hfType == HfType.Chat && folder.Config.ChatTemplate is null)
            {
                throw new ModelLoadException($"{templateFile}: no chat_template, so the model cannot be evaluated as a chat model (hf-type chat); evaluate it as a base model (--hf-type base).");
            }

            if (hfType == HfType.Chat && folder.Config.ChatTemplate is { } template)
            {
                try
                {
                    chatTemplate = new JinjaTemplate(template);
                }
                catch (JinjaException ex)
                {
                    throw new ModelLoadException($"{templateFile}: the chat_template cannot be used: {ex.Message}");
                }
            }

            var padId = folder.Config.PadTokenId ?? (folder.Config.EosTokenIds.Count > 0 ? folder.Config.EosTokenIds[0] : 0);
            var context = options.ContextLength ?? folder.Config.ContextLength
                ?? throw new ModelLoadException($"{folder.Folder}: no context length in config.json (max_position_embeddings) or genai_config.json (context_length); pass one.");
            var abbr = options.Abbr ?? new DirectoryInfo(folder.Folder).Name;
            // A chat model sees other prompts than the same weights as a base model: its answers must not be replayed for it.
            var identity = $"onnx:sha256:{HashFile(folder.OnnxFile)[..16]}{(hfType == HfType.Chat ? "+chat" : string.Empty)}";
            var descriptor = new ModelDescriptor(abbr, identity, context, ModelCapabilities.Generate | ModelCapabilities.LogLikelihood);
            return new OnnxLanguageModel(new OnnxDecoder(session, signature, padId), tokenizer, chatTemplate, templateFile, folder.Config, descriptor, provider, context)
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
    public bool UsesChatTemplate => _chatTemplate is not null;

    /// <summary>Tokens of a text as the model sees it, with the special tokens its tokenizer adds (BOS where it adds one).</summary>
    public IReadOnlyList<int> Encode(string text) => _tokenizer.Encode(text);

    /// <summary>
    /// The text the model is given for a prompt. A chat model's generation prompt is its chat template applied to the
    /// turns as messages, without the last (empty) BOT turn and with the generation prompt, as OpenCompass's
    /// <c>HuggingFacewithChatTemplate</c>; everything else — a base model, and scoring (ppl) of either kind, which
    /// OpenCompass does on <c>_convert_base_messages</c> — is OpenCompass's plain-text join.
    /// </summary>
    public string Render(Prompt prompt, bool forGeneration)
    {
        if (_chatTemplate is null || !forGeneration)
        {
            return prompt.ToPlainText();
        }

        var messages = prompt.ChatTurns.Select(t => new Dictionary<string, object?>
        {
            ["role"] = t.Role switch { TurnRole.System => "system", TurnRole.Human => "user", _ => "assistant" },
            ["content"] = t.Text,
        }).ToList();
        try
        {
            return _chatTemplate.Render(new Dictionary<string, object?>
            {
                ["messages"] = messages,
                ["add_generation_prompt"] = true,
                ["bos_token"] = _config.BosToken ?? string.Empty,
                ["eos_token"] = _config.EosToken ?? string.Empty,
            });
        }
        catch (JinjaException ex)
        {
            throw new InvalidOperationException($"{_chatTemplateFile}: the chat_template failed: {ex.Message}", ex);
        }
    }

    // A chat template writes its own special tokens, so the tokenizer adds none (add_special_tokens=False in OpenCompass).
    private IReadOnlyList<int> EncodeRendered(Prompt prompt, bool forGeneration) =>
        _tokenizer.Encode(Render(prompt, forGeneration), addSpecialTokens: _chatTemplate is null || !forGeneration);

    /// <summary>Text of tokens; any id decodes, those without a token to nothing.</summary>
    public string Decode(IEnumerable<int> ids, bool skipSpecialTokens = false) => _tokenizer.Decode(ids, skipSpecialTokens);

    // A base model's output skips special tokens; a chat model's keeps them (and is cut at its stop words).
    private string DecodeOutput(IEnumerable<int> ids) => _tokenizer.Decode(ids, skipSpecialTokens: _chatTemplate is null);

    /// <inheritdoc/>
    public int CountTokens(Prompt prompt) => EncodeRendered(prompt, forGeneration: prompt.Turns.Count > 0 && prompt.Turns[^1] is { Role: TurnRole.Bot, Text.Length: 0 }).Count;

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<GenerationResult>> GenerateAsync(IReadOnlyList<GenerationRequest> requests, CancellationToken cancellationToken = default) =>
        GenerateEncodedAsync(requests.Select(r => (EncodeRendered(r.Prompt, forGeneration: true), r.Settings with { StopStrings = [.. r.Settings.StopStrings.Union(_chatStopWords)] })).ToList(), cancellationToken);

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
            // Requests with different settings cannot share a decoding loop.
            foreach (var group in requests.Select((r, i) => (r, i)).GroupBy(x => x.r.Settings))
            {
                var settings = group.Key;
                var maxNew = Math.Clamp(settings.MaxOutputTokens, 1, Math.Max(1, _contextLength - 1));
                var budget = _contextLength - maxNew;
                var items = group.ToList();
                var prompts = items.Select(x => Truncate(x.r.Tokens, budget)).ToList();
                var stops = settings.StopStrings;
                Func<int, IReadOnlyList<int>, bool>? stopped = stops.Count == 0 ? null : (_, tokens) =>
                {
                    var text = DecodeOutput(tokens);
                    return stops.Any(s => text.Contains(s, StringComparison.Ordinal));
                };
                var sequences = WithSharedPrefixes(share =>
                    _decoder.Generate(prompts, maxNew, _config.EosTokenIds.ToHashSet(), stopped, share ? MinSharedPrefix : int.MaxValue, cancellationToken));
                for (var k = 0; k < items.Count; k++)
                {
                    var text = DecodeOutput(sequences[k].Tokens);
                    foreach (var stop in stops)
                    {
                        var at = text.IndexOf(stop, StringComparison.Ordinal);
                        if (at >= 0)
                        {
                            text = text[..at];
                        }
                    }

                    results[items[k].i] = new GenerationResult(text, prompts[k].Count, sequences[k].Tokens.Count, Finish: sequences[k].HitEos || sequences[k].Tokens.Count < maxNew ? FinishReason.Stop : FinishReason.Length);
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
                var full = EncodeRendered(requests[i].Prompt, forGeneration: false);
                var context = EncodeRendered(requests[i].Prompt.WithoutLastTurn(), forGeneration: false);
                // CUSTOM: as OpenCompass's Hugging Face models (truncation_side='left'), keep the last max_seq_len tokens.
                var kept = Truncate(full, _contextLength);
                continuation[i] = Math.Clamp(full.Count - context.Count, 0, Math.Max(0, kept.Count - 1));
                sequences.Add(kept);
            }

            var logProbs = ScoreSharingPrefixes(sequences, cancellationToken);
            return logProbs.Select((row, i) => new LogLikelihoodResult(row, continuation[i])).ToList();
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc/>
    public async ValueTask<IReadOnlyList<IReadOnlyList<ScoredToken>>> ScoreTextsAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken = default)
    {
        if (texts.Count == 0)
        {
            return [];
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var sequences = texts.Select(t => Truncate(Encode(t), _contextLength)).ToList();
            var logProbs = ScoreSharingPrefixes(sequences, cancellationToken);
            return sequences.Select((ids, i) => (IReadOnlyList<ScoredToken>)TokenTexts(ids)
                .Select((token, k) => new ScoredToken(token.Text, token.Offset, k == 0 ? null : logProbs[i][k - 1]))
                .ToList()).ToList();
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Each token's text and offset (in code points) in the decoded text: decoding ever longer prefixes, so the pieces
    /// concatenate to exactly what <see cref="Decode"/> gives (a byte-fallback token that ends inside a character adds
    /// nothing until the character is complete).
    /// </summary>
    private List<(string Text, int Offset)> TokenTexts(IReadOnlyList<int> ids)
    {
        var pieces = new List<(string, int)>(ids.Count);
        var previous = string.Empty;
        var previousCodePoints = 0;
        for (var k = 0; k < ids.Count; k++)
        {
            var decoded = _tokenizer.Decode(ids.Take(k + 1), skipSpecialTokens: true);
            var complete = decoded.EndsWith('\uFFFD') ? decoded.TrimEnd('\uFFFD') : decoded;
            var piece = complete.StartsWith(previous, StringComparison.Ordinal) ? complete[previous.Length..] : string.Empty;
            pieces.Add((piece, previousCodePoints));
            if (piece.Length > 0)
            {
                previous = complete;
                previousCodePoints += piece.EnumerateRunes().Count();
            }
        }

        return pieces;
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

    /// <summary>
    /// Doubles a probe batch of the longest request while it fits and pays: it stops before the next doubling would pass
    /// three quarters of the memory the process may use (the peak working set grows by what each added row costs, ONNX
    /// Runtime's arena included), when ONNX Runtime fails to allocate (out of device memory on CUDA), or when doubling
    /// no longer raises the rows per second by a tenth (on a CPU, past a few rows a batch only adds padding and
    /// attention work). A generation probe reaches the full length (prompt plus new tokens) and times its decode steps
    /// too, so the rate is that of the whole generation: the pass plus every new token's step.
    /// </summary>
    public int LargestBatch(int promptTokens, int newTokens, int limit, CancellationToken cancellationToken = default) =>
        LargestBatch(promptTokens, newTokens, limit, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes * 3 / 4, minSpeedup: 1.1, cancellationToken);

    /// <summary>Decode steps a generation probe times (the rest of its new tokens are run as part of its first pass).</summary>
    private const int ProbeDecodeSteps = 4;

    internal int LargestBatch(int promptTokens, int newTokens, int limit, long memoryBudget, double minSpeedup, CancellationToken cancellationToken)
    {
        var tokens = Math.Clamp(promptTokens + newTokens, 1, _contextLength);
        var decodeSteps = Math.Min(Math.Min(newTokens, ProbeDecodeSteps), tokens - 1);
        var fits = 0;
        var peak = PeakWorkingSet();
        long perRow = 0;
        var rowsPerSecond = 0.0;
        _gate.Wait(cancellationToken);
        try
        {
            for (var rows = 1; fits < limit; rows = Math.Min(rows * 2, limit))
            {
                if (fits > 0 && peak + (perRow * (rows - fits)) > memoryBudget)
                {
                    break;
                }

                TimeSpan pass, step;
                try
                {
                    (pass, step) = _decoder.Probe(rows, tokens, decodeSteps, cancellationToken);
                }
                catch (OnnxRuntimeException)
                {
                    break;
                }

                var rate = rows / Math.Max((pass + (step * Math.Max(0, newTokens - 1))).TotalSeconds, 1e-6);
                var grown = PeakWorkingSet();
                perRow = Math.Max(perRow, (grown - peak) / (rows - fits));
                peak = grown;
                if (fits > 0 && rate < rowsPerSecond * minSpeedup)
                {
                    break;
                }

                rowsPerSecond = rate;
                fits = rows;
            }
        }
        finally
        {
            _gate.Release();
        }

        return Math.Max(1, fits);
    }

    private static long PeakWorkingSet()
    {
        using var process = System.Diagnostics.Process.GetCurrentProcess();
        return process.PeakWorkingSet64;
    }

    private static IReadOnlyList<int> Truncate(IReadOnlyList<int> tokens, int limit) =>
        tokens.Count <= limit ? tokens : tokens.Skip(tokens.Count - limit).ToList();

    private static string HashFile(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync()
    {
        _decoder.Dispose();
        _gate.Dispose();
        return ValueTask.CompletedTask;
    }
}
