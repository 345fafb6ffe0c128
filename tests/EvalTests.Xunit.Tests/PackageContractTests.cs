using System.Text.RegularExpressions;
using EvalTests.TestSupport;

namespace EvalTests.Xunit.Tests;

/// <summary>
/// `dotnet pack` of the whole repository into a temporary folder feed, under a version of its own (so no package cached
/// by an earlier run is picked up), with build outputs apart from the repository's own (so nothing running is rebuilt).
/// </summary>
public sealed class PackedFeed : IDisposable
{
    private readonly TempDirectory _folder = new();

    public PackedFeed()
    {
        Version = $"0.1.0-test.{DateTime.UtcNow:yyyyMMddHHmmss}.{Environment.ProcessId}";
        Feed = _folder.Combine("feed");
        (PackExit, PackOutput) = ExternalCommand.Dotnet(Repository.Root,
            ["pack", "EvalTests.sln", "-c", "Release", "-o", Feed, "--artifacts-path", _folder.Combine("artifacts"), $"-p:Version={Version}", "-nodeReuse:false"],
            timeout: TimeSpan.FromMinutes(10));
    }

    public string Version { get; }

    public string Feed { get; }

    public int PackExit { get; }

    public string PackOutput { get; }

    /// <summary>A user's folder beside the feed: the global.json choosing Microsoft.Testing.Platform and a nuget.config naming the feed.</summary>
    public TempDirectory NewUserFolder()
    {
        Assert.True(PackExit == 0, PackOutput);
        var folder = new TempDirectory();
        folder.Write("global.json", """{ "test": { "runner": "Microsoft.Testing.Platform" } }""");
        folder.Write("nuget.config", $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="evaltests" value="{Feed}" />
              </packageSources>
            </configuration>
            """);
        return folder;
    }

    public void Dispose()
    {
        _folder.Dispose();
        // The packages restored from the feed are this run's alone: leave no copy in the global packages folder.
        var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        foreach (var package in Directory.Exists(packages) ? Directory.GetDirectories(packages, "evaltests.*") : [])
        {
            var restored = Path.Combine(package, Version.ToLowerInvariant());
            if (Directory.Exists(restored))
            {
                Directory.Delete(restored, recursive: true);
            }

            if (Directory.GetFileSystemEntries(package).Length == 0)
            {
                Directory.Delete(package);
            }
        }
    }
}

/// <summary>
/// The packages as a user installs them: the item-only project of the README, outside the repository. Its own
/// collection, in parallel with the sample projects: it builds nothing inside the repository (see <see cref="PackedFeed"/>).
/// </summary>
public sealed class PackageContractTests(PackedFeed feed) : IClassFixture<PackedFeed>
{
    [Fact]
    public void Pack_WritesEveryPackageAndTheTool_WithOneVersion()
    {
        Assert.True(feed.PackExit == 0, feed.PackOutput);
        string[] expected = ["EvalTests.Core", "EvalTests.Onnx", "EvalTests.OpenAI", "EvalTests.Extensions.AI", "EvalTests.Server", "EvalTests.Reports", "EvalTests.Xunit", "EvalTests.Cli"];

        var packed = Directory.GetFiles(feed.Feed, "*.nupkg").Select(Path.GetFileName).Order().ToList();

        Assert.Equal(expected.Select(id => $"{id}.{feed.Version}.nupkg").Order(), packed);
    }

    [Fact]
    public void AnItemOnlyProject_RunsASubjectWithDotnetTestAndDotnetVstest()
    {
        using var user = feed.NewUserFolder();
        user.Write("Evals.csproj", $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup><TargetFramework>net10.0</TargetFramework><OutputType>Exe</OutputType>
                <EvalTestsDataRoot>{SharedData.Datasets.Replace('\\', '/')}</EvalTestsDataRoot></PropertyGroup>
              <ItemGroup>
                <PackageReference Include="EvalTests.Xunit" Version="{feed.Version}" />
                <EvalModel Include="stories260K" Path="{SharedData.Model("stories260K").Replace('\\', '/')}" />
                <EvalDataset Include="ceval_gen" Limit="2" />
                <EvalThreshold Include="ceval" MinAccuracy="0" />
              </ItemGroup>
            </Project>
            """);
        var (built, buildOutput) = ExternalCommand.Dotnet(user.Path, ["build", "-nodeReuse:false"]);
        Assert.True(built == 0, buildOutput);

        var (tested, testOutput) = ExternalCommand.Dotnet(user.Path, ["test", "--no-build", "--filter", "ceval-computer_network"]);

        Assert.True(tested == 0, testOutput);
        Assert.Matches(@"succeeded:\s+1\b", testOutput);
        Assert.Matches(@"ceval-computer_network\s+stories260K\s+gen\s+\d+\.\d\d\s+\d+\.\d\d\s+2\s+-\s+pass", testOutput); // the scores table

        // The VSTest adapter path that IDE test explorers take.
        var (vstest, vstestOutput) = ExternalCommand.Dotnet(user.Path, ["vstest", Path.Combine("bin", "Debug", "net10.0", "Evals.dll"), "--TestCaseFilter:ceval-computer_network"]);

        Assert.True(vstest == 0, vstestOutput);
        Assert.Matches(@"Passed!\s+-\s+Failed:\s+0,\s+Passed:\s+1,", vstestOutput);
    }

    [Fact]
    public void TheTool_InstallsFromTheFeed_AndListsCEval()
    {
        using var user = feed.NewUserFolder();
        var tools = user.Combine("tools");
        var (installed, installOutput) = ExternalCommand.Dotnet(user.Path,
            ["tool", "install", "--tool-path", tools, "EvalTests.Cli", "--version", feed.Version, "--add-source", feed.Feed]);
        Assert.True(installed == 0, installOutput);

        var tool = Path.Combine(tools, OperatingSystem.IsWindows() ? "evaltests.exe" : "evaltests");
        var (exit, list) = ExternalCommand.Run(tool, user.Path, ["list", "ceval"]);

        Assert.True(exit == 0, list);
        Assert.Contains("C-Eval", list, StringComparison.Ordinal); // the datasets table (80 columns wide when redirected)
        Assert.Matches(@"│ ceval_ge", list);
        Assert.Matches(@"│ ceval_pp", list);
    }

    [Fact]
    public void TheGpuVariant_RestoresAndBuilds_WithOneReferenceSwapped()
    {
        using var user = feed.NewUserFolder();
        // The documented switch: the CUDA build of ONNX Runtime in, the CPU build's assets out.
        user.Write("Evals.csproj", $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup><TargetFramework>net10.0</TargetFramework><OutputType>Exe</OutputType></PropertyGroup>
              <ItemGroup>
                <PackageReference Include="EvalTests.Xunit" Version="{feed.Version}" />
                <PackageReference Include="Microsoft.ML.OnnxRuntime.Gpu" Version="1.31.0" />
                <PackageReference Include="Microsoft.ML.OnnxRuntime" Version="1.31.1" ExcludeAssets="all" />
                <EvalModel Include="stories260K" Path="{SharedData.Model("stories260K").Replace('\\', '/')}" />
                <EvalDataset Include="ceval_gen" Limit="2" />
              </ItemGroup>
            </Project>
            """);

        var (built, output) = ExternalCommand.Dotnet(user.Path, ["build", "-nodeReuse:false"]);

        Assert.True(built == 0, output);
        var native = Directory.GetFiles(user.Combine("bin"), OperatingSystem.IsWindows() ? "onnxruntime_providers_cuda.dll" : "libonnxruntime_providers_cuda.so", SearchOption.AllDirectories);
        Assert.NotEmpty(native);
    }
}
