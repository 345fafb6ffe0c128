using EvalTests.TestSupport;

namespace EvalTests.Cli.Tests;

public sealed class ListAndDataCommandTests
{
    [Fact]
    public async Task List_Ceval_ShowsItsConfigsOnly()
    {
        var (exit, output, _) = await CliRunner.RunAsync("list", "ceval", "--models-root", Path.Combine(SharedData.Root, "models"));

        Assert.Equal(0, exit);
        Assert.Contains("ceval_gen_5f30c7", output, StringComparison.Ordinal);
        Assert.Contains("ceval_ppl_578f8d", output, StringComparison.Ordinal);
        Assert.DoesNotContain("cmmlu_gen_c13365", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_ShowsModelsUnderTheModelsRoot()
    {
        var (exit, output, _) = await CliRunner.RunAsync("list", "--models-root", Path.Combine(SharedData.Root, "models"));

        Assert.Equal(0, exit);
        Assert.Contains("stories260K", output, StringComparison.Ordinal);
        Assert.Contains("llama-6M-random", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DataVerify_SharedCopy_AllFilesMatch()
    {
        var (exit, output, _) = await CliRunner.RunAsync("data", "verify", "--data-root", SharedData.Datasets);

        Assert.Equal(0, exit);
        Assert.Contains("ceval: 104/104 files match", output, StringComparison.Ordinal);
        Assert.Contains("cmmlu: 134/134 files match", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DataVerify_TamperedFile_IsNamedAndFailsTheCommand()
    {
        using var root = new TempDirectory();
        foreach (var file in Directory.EnumerateFiles(Path.Combine(SharedData.Datasets, "ceval"), "*.csv", SearchOption.AllDirectories))
        {
            var target = root.Combine("ceval", Path.GetRelativePath(Path.Combine(SharedData.Datasets, "ceval"), file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }

        File.AppendAllText(root.Combine("ceval", "val", "law_val.csv"), "extra");

        var (exit, output, _) = await CliRunner.RunAsync("data", "verify", "ceval", "--data-root", root.Path);

        Assert.Equal(1, exit);
        Assert.Contains("ceval: 103/104 files match", output, StringComparison.Ordinal);
        Assert.Contains("MISMATCH " + root.Combine("ceval", "val", "law_val.csv"), output, StringComparison.Ordinal);
    }
}
