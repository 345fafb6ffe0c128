using EvalTests.Datasets;
using EvalTests.TestSupport;

namespace EvalTests.Core.Tests.Datasets;

public sealed class DatasetCatalogTests
{
    [Fact]
    public void Cards_DescribeEverySubjectAndCategory()
    {
        var ceval = DatasetCatalog.Default.Cards.Single(c => c.Name == "ceval");
        var cmmlu = DatasetCatalog.Default.Cards.Single(c => c.Name == "cmmlu");

        Assert.Equal(52, ceval.Subsets.Count);
        Assert.Equal(67, cmmlu.Subsets.Count);
        Assert.Equal(8, ceval.Subsets.Count(s => s.Categories.Contains("hard")));
        Assert.Equal("计算机网络", ceval.Subsets.Single(s => s.Name == "computer_network").LocalName);
        Assert.Equal([20, 10, 11, 11], new[] { "STEM", "Social Science", "Humanities", "Other" }.Select(c => ceval.Subsets.Count(s => s.Categories.Contains(c))));
        Assert.Equal([13, 17, 22, 15, 15], new[] { "Humanities", "STEM", "Social Science", "Other", "China specific" }.Select(c => cmmlu.Subsets.Count(s => s.Categories.Contains(c))));
    }

    [Theory]
    [InlineData("ceval_gen", "ceval_gen_5f30c7")]
    [InlineData("CEVAL_PPL", "ceval_ppl_578f8d")]
    [InlineData("cmmlu_gen_c13365", "cmmlu_gen_c13365")]
    [InlineData("cmmlu_ppl", "cmmlu_ppl_8b9c76")]
    public void Resolve_AcceptsNamesAndAliases(string name, string expected)
    {
        Assert.Equal(expected, DatasetCatalog.Default.Resolve(name).Config.Name);
    }

    [Fact]
    public void Resolve_UnknownName_ListsTheKnownOnes()
    {
        var error = Assert.Throws<ArgumentException>(() => DatasetCatalog.Default.Resolve("mmlu_gen"));

        Assert.Contains("Unknown dataset 'mmlu_gen'", error.Message, StringComparison.Ordinal);
        Assert.Contains("ceval_gen", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DataIntegrity_SharedCopyMatchesEveryCardHash()
    {
        foreach (var card in DatasetCatalog.Default.Cards)
        {
            var checks = DataIntegrity.Verify(card, Path.Combine(SharedData.Datasets, card.Name));
            Assert.All(checks, check => Assert.True(check.IsValid, check.RelativePath));
        }
    }

    [Fact]
    public void DataIntegrity_Mismatch_NamesTheFileAndBothHashes()
    {
        using var root = new TempDirectory();
        var card = DatasetCatalog.Default.Cards.Single(c => c.Name == "ceval");
        var relative = card.RelativePath("val", "law");
        root.Write(Path.Combine("ceval", relative), "id,question,A,B,C,D,answer\n0,tampered,a,b,c,d,A\n");

        var error = Assert.Throws<InvalidDataException>(() => DataIntegrity.EnsureValid(card, root.Combine("ceval"), [relative]));

        Assert.Contains(root.Combine("ceval", relative), error.Message, StringComparison.Ordinal);
        Assert.Contains(card.Sha256[relative], error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DataRoot_NotFound_ListsEveryPlaceAndHowToProvideTheData()
    {
        var card = DatasetCatalog.Default.Cards.Single(c => c.Name == "ceval");
        var resolver = new DataRootResolver([new("--data-root option", "/nowhere/a"), new("EVALTESTS_DATA_ROOT environment variable", null), new("per-user cache", "/nowhere/cache")]);

        var error = Assert.Throws<DataNotFoundException>(() => resolver.ResolveBenchmarkFolder(card));

        Assert.Contains("--data-root option: /nowhere/a/ceval (missing)", error.Message, StringComparison.Ordinal);
        Assert.Contains("EVALTESTS_DATA_ROOT environment variable: not set", error.Message, StringComparison.Ordinal);
        Assert.Contains("per-user cache: /nowhere/cache/ceval (missing)", error.Message, StringComparison.Ordinal);
        Assert.Contains("evaltests data pull ceval", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DataRoot_TakesTheFirstCandidateThatHoldsTheFiles()
    {
        var card = DatasetCatalog.Default.Cards.Single(c => c.Name == "ceval");
        var resolver = new DataRootResolver([new("--data-root option", null), new("env", "/nowhere"), new("build", SharedData.Datasets)]);

        Assert.Equal(Path.Combine(SharedData.Datasets, "ceval"), resolver.ResolveBenchmarkFolder(card));
    }

    [Fact]
    public void DataRoot_ExplicitOption_IsTheOnlyPlaceSearched()
    {
        var resolver = DataRootResolver.Standard("/given/by/user", buildDefault: SharedData.Datasets);

        var candidate = Assert.Single(resolver.Candidates);
        Assert.Equal(new DataRootCandidate("--data-root option", "/given/by/user"), candidate);
    }

    [Fact]
    public void DataRoot_WithoutOption_FallsBackThroughEnvironmentBuildDefaultAndCache()
    {
        var resolver = DataRootResolver.Standard(null, buildDefault: "/build/default");

        Assert.Equal(["--data-root option", "EVALTESTS_DATA_ROOT environment variable", "EvalTestsDataRoot build property", "per-user cache"], resolver.Candidates.Select(c => c.Source));
        Assert.Equal("/build/default", resolver.Candidates[2].Path);
    }
}
