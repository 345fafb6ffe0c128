using Microsoft.ML.Tokenizers;

namespace EvalTests.Onnx.Tokenization;

/// <summary>
/// A SentencePiece <c>tokenizer.model</c> (for folders that ship no tokenizer.json) through Microsoft.ML.Tokenizers'
/// Llama tokenizer, which adds the BOS the model's config names.
/// </summary>
internal sealed class SentencePieceTextTokenizer : ITextTokenizer
{
    private readonly SentencePieceTokenizer _tokenizer;
    private readonly IReadOnlySet<int> _specialIds;
    private readonly Dictionary<int, string> _tokens;

    public SentencePieceTextTokenizer(SentencePieceTokenizer tokenizer, IReadOnlySet<int> specialIds)
    {
        _tokenizer = tokenizer;
        _specialIds = specialIds;
        _tokens = tokenizer.Vocabulary.ToDictionary(p => p.Value, p => p.Key);
    }

    public IReadOnlyList<int> Encode(string text, bool addSpecialTokens = true) =>
        _tokenizer.EncodeToIds(text, addBeginningOfSentence: addSpecialTokens && _tokenizer.AddBeginningOfSentence, addEndOfSentence: addSpecialTokens && _tokenizer.AddEndOfSentence);

    public string Decode(IEnumerable<int> ids, bool skipSpecialTokens = false) =>
        _tokenizer.Decode(ids.Where(id => _tokens.ContainsKey(id) && !(skipSpecialTokens && _specialIds.Contains(id)))) ?? string.Empty;

    public string? TokenOf(int id) => _tokens.GetValueOrDefault(id);
}
