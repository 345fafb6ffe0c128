using EvalTests.Onnx.Loading;
using EvalTests.TestSupport;

namespace EvalTests.Onnx.Tests;

/// <summary>The identity caches, checkpoints and snapshots key on covers everything that shapes the answers.</summary>
public sealed class ModelIdentityTests : IDisposable
{
    private readonly TempDirectory _copy = new();

    public ModelIdentityTests()
    {
        var source = SharedData.Model("stories260K");
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var target = _copy.Combine(Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    public void Dispose() => _copy.Dispose();

    private string Identity() => ModelIdentity.Hash(OnnxModelFolder.Open(_copy.Path));

    [Fact]
    public void TheSameFiles_GiveTheSameIdentity_WhereverTheyLie() =>
        Assert.Equal(ModelIdentity.Hash(OnnxModelFolder.Open(SharedData.Model("stories260K"))), Identity());

    [Fact]
    public void ExternalWeightsBesideTheGraph_ChangeTheIdentity()
    {
        var before = Identity();
        File.WriteAllBytes(_copy.Combine("onnx", "model.onnx.data"), [1, 2, 3]);

        Assert.NotEqual(before, Identity());
    }

    [Fact]
    public void AnotherChatTemplate_ChangesTheIdentity()
    {
        var before = Identity();
        var config = _copy.Combine("tokenizer_config.json");
        File.WriteAllText(config, File.ReadAllText(config).TrimEnd().TrimEnd('}') + ", \"chat_template\": \"{{ messages[0]['content'] }}\" }");

        Assert.NotEqual(before, Identity());
    }
}
