using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using EvalTests.Onnx.Tokenization.HuggingFace;
using EvalTests.TestSupport;

namespace EvalTests.Onnx.Tests.Tokenization;

/// <summary>
/// EvalTests' tokenizer.json pipeline against Hugging Face <c>tokenizers</c>: ids with and without special tokens and
/// decodings, as <c>tools/reference/tokenizer-fixtures.mjs</c> recorded them from the reference implementation, for
/// every tokenizer.json in ../shared/models and for the component tokenizers beside the fixtures.
/// </summary>
public sealed class TokenizerParityTests
{
    private static readonly string Fixtures = Path.Combine(AppContext.BaseDirectory, "Tokenization", "Fixtures");

    public static TheoryData<string> ExpectedFiles() =>
        [.. Directory.EnumerateFiles(Fixtures, "*.expected.json").Select(path => Path.GetFileName(path)).Order(StringComparer.Ordinal)];

    [Fact]
    public void EveryTokenizerJsonInTheSharedModels_HasReferenceFixtures()
    {
        var recorded = ExpectedFiles().Select(row => Read(row.Data).GetProperty("tokenizer").GetString()).ToHashSet();
        var shared = Directory.EnumerateFiles(Path.Combine(SharedData.Root, "models"), "tokenizer.json", SearchOption.AllDirectories)
            .Select(path => "shared:" + Path.GetRelativePath(SharedData.Root, path).Replace('\\', '/'));

        Assert.All(shared, label => Assert.Contains(label, recorded));
    }

    [Theory]
    [MemberData(nameof(ExpectedFiles))]
    public void EncodingAndDecoding_EqualHuggingFaceTokenizers(string expectedFile)
    {
        var fixture = Read(expectedFile);
        var tokenizer = TokenizerJsonReader.Read(TokenizerPath(fixture.GetProperty("tokenizer").GetString()!), cleanUpTokenizationSpaces: false);
        var failures = new List<string>();

        foreach (var c in fixture.GetProperty("cases").EnumerateArray())
        {
            var name = c.GetProperty("name").GetString();
            var text = c.TryGetProperty("text", out var literal) ? literal.GetString()! : DataSlice(c.GetProperty("source"));
            Assert.Equal(c.GetProperty("sha256").GetString(), Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text))));
            var ids = Ids(c.GetProperty("ids"));

            Check(failures, name, "ids", ids, tokenizer.Encode(text));
            Check(failures, name, "ids without special tokens", Ids(c.GetProperty("idsWithoutSpecialTokens")), tokenizer.Encode(text, addSpecialTokens: false));
            Check(failures, name, "decoded", c.GetProperty("decoded").GetString(), tokenizer.Decode(ids));
            Check(failures, name, "decoded skipping special tokens", c.GetProperty("decodedSkippingSpecialTokens").GetString(), tokenizer.Decode(ids, skipSpecialTokens: true));
        }

        foreach (var d in fixture.GetProperty("decodings").EnumerateArray())
        {
            var ids = Ids(d.GetProperty("ids"));
            var name = $"ids [{string.Join(", ", ids)}]";
            Check(failures, name, "decoded", d.GetProperty("decoded").GetString(), tokenizer.Decode(ids));
            Check(failures, name, "decoded skipping special tokens", d.GetProperty("decodedSkippingSpecialTokens").GetString(), tokenizer.Decode(ids, skipSpecialTokens: true));
        }

        Assert.True(failures.Count == 0, $"{failures.Count} differences from Hugging Face tokenizers:\n{string.Join("\n", failures.Take(20))}");
    }

    private static void Check<T>(List<string> failures, string? name, string what, T expected, T actual)
    {
        var same = expected is IEnumerable<int> e && actual is IEnumerable<int> a ? e.SequenceEqual(a) : Equals(expected, actual);
        if (!same)
        {
            failures.Add($"{name}: {what}: expected {Show(expected)}, got {Show(actual)}");
        }
    }

    private static string Show<T>(T value) => value is IEnumerable<int> ids ? $"[{string.Join(", ", ids)}]" : JsonSerializer.Serialize(value);

    private static IReadOnlyList<int> Ids(JsonElement array) => [.. array.EnumerateArray().Select(id => id.GetInt32())];

    private static JsonElement Read(string file) => JsonDocument.Parse(File.ReadAllText(Path.Combine(Fixtures, file))).RootElement;

    private static string TokenizerPath(string label) => label.StartsWith("shared:", StringComparison.Ordinal)
        ? Path.Combine(SharedData.Root, label["shared:".Length..])
        : Path.Combine(Fixtures, label["fixture:".Length..]);

    // The script's slice: the file's lines [from, to) joined by "\n".
    private static string DataSlice(JsonElement source)
    {
        var lines = File.ReadAllText(Path.Combine(SharedData.Datasets, source.GetProperty("file").GetString()!)).Split('\n');
        return string.Join('\n', lines[source.GetProperty("from").GetInt32()..Math.Min(lines.Length, source.GetProperty("to").GetInt32())]);
    }
}
