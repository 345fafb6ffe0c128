using System.Text.Json.Nodes;
using EvalTests.Runs;
using EvalTests.TestSupport;

namespace EvalTests.Core.Tests.Runs;

public sealed class JsonLineStoreTests : IDisposable
{
    private readonly TempDirectory _work = new();

    public void Dispose() => _work.Dispose();

    [Fact]
    public async Task TwoStoresAppendingToOneFileAtOnce_LoseNoEntry()
    {
        // Two writers of one file (as two workers' response caches): each must append at the file's current end.
        var path = _work.Combine("cache.jsonl");
        using (var first = JsonLineStore.Open(path))
        using (var second = JsonLineStore.Open(path))
        {
            await Task.WhenAll(
                Task.Run(() => Enumerable.Range(0, 300).ToList().ForEach(i => first.Add($"a{i}", JsonValue.Create(i))), TestContext.Current.CancellationToken),
                Task.Run(() => Enumerable.Range(0, 300).ToList().ForEach(i => second.Add($"b{i}", JsonValue.Create(i))), TestContext.Current.CancellationToken));
        }

        var lines = File.ReadAllLines(path);
        Assert.Equal(600, lines.Length);
        Assert.All(lines, line => Assert.NotNull(JsonNode.Parse(line)));
        using var reopened = JsonLineStore.Open(path);
        Assert.Equal(600, reopened.Count);
    }
}
