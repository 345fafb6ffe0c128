using System.Reflection;

namespace EvalTests.TestSupport;

/// <summary>The repository the test assemblies were built from (baked in at build time).</summary>
public static class Repository
{
    /// <summary>The repository's root folder.</summary>
    public static string Root =>
        typeof(Repository).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "EvalTestsRepositoryRoot").Value!.TrimEnd('/', '\\');
}
