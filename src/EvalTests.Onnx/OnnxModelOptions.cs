using EvalTests.Onnx.Loading;

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
