using EvalTests.TestSupport;

namespace EvalTests.Xunit.Tests;

/// <summary>A user's test project written to a temp folder, built and tested with the real dotnet CLI.</summary>
public sealed class SampleProject : IDisposable
{
    private readonly TempDirectory _folder = new();

    public SampleProject(string items, string properties = "")
    {
        var repo = Repository.Root.Replace('\\', '/');
        _folder.Write("global.json", """{ "test": { "runner": "Microsoft.Testing.Platform" } }""");
        _folder.Write("Sample.Evals.csproj", $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <Import Project="{repo}/build/EvalTests.Xunit.props" />
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <OutputType>Exe</OutputType>
                <Nullable>enable</Nullable>
                <EvalTestsDataRoot>{SharedData.Datasets.Replace('\\', '/')}</EvalTestsDataRoot>
                <EvalTestsMaxOutLen>4</EvalTestsMaxOutLen>
            {properties}
              </PropertyGroup>
              <ItemGroup>
                <ProjectReference Include="{repo}/src/EvalTests.Xunit/EvalTests.Xunit.csproj" />
                <PackageReference Include="xunit.v3" Version="4.0.2" />
                <PackageReference Include="Microsoft.Testing.Extensions.TrxReport" Version="2.5.2" />
              </ItemGroup>
              <ItemGroup>
            {items}
              </ItemGroup>
              <Import Project="{repo}/build/EvalTests.Xunit.targets" />
            </Project>
            """);
    }

    public string Folder => _folder.Path;

    public string SnapshotFolder => _folder.Combine("snapshots");

    public (int ExitCode, string Output) Build() => Dotnet("build", "-nodeReuse:false", "-p:UseSharedCompilation=false");

    public (int ExitCode, string Output) Test(params string[] arguments) => Dotnet(["test", "--no-build", .. arguments]);

    public (int ExitCode, string Output) Dotnet(params string[] arguments) => Run(arguments, environment: null);

    public (int ExitCode, string Output) Run(string[] arguments, IReadOnlyDictionary<string, string>? environment) =>
        ExternalCommand.Dotnet(Folder, arguments, environment);

    /// <summary>The repository root, which the sample project's imports and references point into.</summary>
    public void Dispose() => _folder.Dispose();
}
