namespace EvalTests.Onnx.Tokenization;

/// <summary>
/// A model's tokenizer as OpenCompass's Hugging Face models use it: text to ids with or without the tokenizer's own
/// special tokens (<c>add_special_tokens</c>), ids to text with or without them (<c>skip_special_tokens</c>).
/// </summary>
internal interface ITextTokenizer
{
    /// <summary>The ids of a text; <paramref name="addSpecialTokens"/> adds what the tokenizer's post-processor adds (BOS…).</summary>
    IReadOnlyList<int> Encode(string text, bool addSpecialTokens = true);

    /// <summary>The text of ids; an id the tokenizer has no token for decodes to nothing, as in Hugging Face.</summary>
    string Decode(IEnumerable<int> ids, bool skipSpecialTokens = false);

    /// <summary>The text of one token, or null when the id has none.</summary>
    string? TokenOf(int id);
}
