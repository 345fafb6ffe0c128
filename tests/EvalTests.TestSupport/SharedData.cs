using System.Reflection;
using Xunit;

namespace EvalTests.TestSupport;

/// <summary>The read-only benchmark data and models in ../shared, as this repository's build found them.</summary>
public static class SharedData
{
    /// <summary>The shared folder (EVALTESTS_SHARED_ROOT overrides the path baked in at build time).</summary>
    public static string Root
    {
        get
        {
            var root = Environment.GetEnvironmentVariable("EVALTESTS_SHARED_ROOT")
                ?? typeof(SharedData).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == "EvalTestsSharedRoot")?.Value;
            if (string.IsNullOrEmpty(root) || !Directory.Exists(root))
            {
                Assert.Fail("These tests need the shared data and models beside the clone (../shared), or EVALTESTS_SHARED_ROOT pointing at them.");
            }

            return root!;
        }
    }

    /// <summary>The data root holding ceval/, cmmlu/, ….</summary>
    public static string Datasets => Path.Combine(Root, "datasets");

    /// <summary>A model folder by name.</summary>
    public static string Model(string name) => Path.Combine(Root, "models", name);
}
