namespace EvalTests.Onnx.Tokenization.HuggingFace;

/// <summary>A tokenizer.json <c>added_tokens</c> entry.</summary>
internal sealed record AddedToken(int Id, string Content, bool SingleWord, bool LeftStrip, bool RightStrip, bool Normalized, bool Special);

/// <summary>
/// Finds added tokens in text as Hugging Face's AddedVocabulary does: leftmost-longest matches, tokens with
/// <c>normalized: false</c> in the raw text before normalization, the others in the normalized pieces; <c>lstrip</c> and
/// <c>rstrip</c> take the whitespace beside a match into it; <c>single_word</c> matches only between non-word characters.
/// </summary>
internal sealed class AddedVocabulary
{
    private readonly Matcher _raw;
    private readonly Matcher _normalized;

    public AddedVocabulary(IReadOnlyList<AddedToken> tokens, ITextNormalizer? normalizer)
    {
        _raw = new Matcher(tokens.Where(t => !t.Normalized).Select(t => (t.Content, t)));
        _normalized = new Matcher(tokens.Where(t => t.Normalized).Select(t => (normalizer?.Normalize(t.Content) ?? t.Content, t)));
        ById = tokens.GroupBy(t => t.Id).ToDictionary(g => g.Key, g => g.Last());
    }

    public IReadOnlyDictionary<int, AddedToken> ById { get; }

    /// <summary>The raw text cut at the tokens that are matched before normalization.</summary>
    public IEnumerable<(string Text, int Start, AddedToken? Token)> SplitRaw(string text) => _raw.Split(text);

    /// <summary>A normalized piece cut at the tokens that are matched after normalization.</summary>
    public IEnumerable<(string Text, int Start, AddedToken? Token)> SplitNormalized(string text) => _normalized.Split(text);

    private sealed class Matcher
    {
        private readonly Dictionary<char, List<(string Content, AddedToken Token)>> _byFirstChar = [];

        public Matcher(IEnumerable<(string Content, AddedToken Token)> tokens)
        {
            foreach (var (content, token) in tokens.Where(t => t.Content.Length > 0))
            {
                if (!_byFirstChar.TryGetValue(content[0], out var list))
                {
                    _byFirstChar[content[0]] = list = [];
                }

                list.Add((content, token));
            }

            foreach (var list in _byFirstChar.Values)
            {
                list.Sort((a, b) => b.Content.Length.CompareTo(a.Content.Length));
            }
        }

        public IEnumerable<(string Text, int Start, AddedToken? Token)> Split(string text)
        {
            if (_byFirstChar.Count == 0 || text.Length == 0)
            {
                yield return (text, 0, null);
                yield break;
            }

            var emitted = 0;
            var at = 0;
            while (at < text.Length)
            {
                var match = LongestAt(text, at);
                if (match is not { } found)
                {
                    at++;
                    continue;
                }

                var (content, token) = found;
                var start = at;
                var stop = at + content.Length;
                // A match is consumed by the search even when single_word then discards it (aho-corasick's iterator).
                at = stop;
                if (token.SingleWord && ((start > 0 && IsWordCharacter(text, start - 1, before: true)) || (stop < text.Length && IsWordCharacter(text, stop, before: false))))
                {
                    continue;
                }

                if (token.LeftStrip)
                {
                    var left = start;
                    while (left > 0 && char.IsWhiteSpace(text[left - 1]))
                    {
                        left--;
                    }

                    start = Math.Max(left, emitted);
                }

                if (token.RightStrip)
                {
                    while (stop < text.Length && char.IsWhiteSpace(text[stop]))
                    {
                        stop++;
                    }

                    at = stop;
                }

                if (emitted < start)
                {
                    yield return (text[emitted..start], emitted, null);
                }

                yield return (text[start..stop], start, token);
                emitted = stop;
            }

            if (emitted < text.Length)
            {
                yield return (text[emitted..], emitted, null);
            }
        }

        private (string Content, AddedToken Token)? LongestAt(string text, int at)
        {
            if (!_byFirstChar.TryGetValue(text[at], out var candidates))
            {
                return null;
            }

            foreach (var candidate in candidates)
            {
                if (string.CompareOrdinal(text, at, candidate.Content, 0, candidate.Content.Length) == 0 && at + candidate.Content.Length <= text.Length)
                {
                    return candidate;
                }
            }

            return null;
        }

        // Rust's char::is_alphanumeric or '_', for the code point that ends before (or starts at) the index.
        private static bool IsWordCharacter(string text, int index, bool before)
        {
            var rune = before
                ? (char.IsLowSurrogate(text[index]) && index > 0 ? System.Text.Rune.GetRuneAt(text, index - 1) : new System.Text.Rune(char.IsSurrogate(text[index]) ? '\uFFFD' : text[index]))
                : System.Text.Rune.GetRuneAt(text, index);
            return rune.Value == '_' || System.Text.Rune.IsLetterOrDigit(rune) || System.Globalization.CharUnicodeInfo.GetUnicodeCategory(rune.Value) is System.Globalization.UnicodeCategory.LetterNumber or System.Globalization.UnicodeCategory.OtherNumber;
        }
    }
}
