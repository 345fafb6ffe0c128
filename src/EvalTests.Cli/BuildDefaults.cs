using System.Reflection;
using EvalTests.Datasets;

namespace EvalTests.Cli;

/// <summary>Where data and models are looked for: options, then environment variables, then the build's defaults, then the cache.</summary>
internal static class BuildDefaults
{
    public const string ModelsEnvironmentVariable = "EVALTESTS_MODELS_ROOT";

    public static string? DataRoot => Metadata("EvalTestsDataRoot");

    public static string? ModelsRoot => Metadata("EvalTestsModelsRoot");

    public static DataRootResolver DataRoots(string? option) => DataRootResolver.Standard(option, DataRoot);

    /// <summary>The model folder for a path or a name under a models root, or an error listing where it looked.</summary>
    public static string ResolveModel(string model, string? modelsRootOption)
    {
        if (Directory.Exists(model))
        {
            return Path.GetFullPath(model);
        }

        var roots = ModelRoots(modelsRootOption);
        foreach (var (_, root) in roots)
        {
            if (!string.IsNullOrWhiteSpace(root) && Directory.Exists(Path.Combine(root, model)))
            {
                return Path.GetFullPath(Path.Combine(root, model));
            }
        }

        var looked = roots.Select(r => string.IsNullOrWhiteSpace(r.Path) ? $"  - {r.Source}: not set" : $"  - {r.Source}: {Path.Combine(r.Path, model)} (missing)");
        throw new DirectoryNotFoundException(
            $"Model '{model}' is neither a folder nor a model name under a models root. Looked in:{Environment.NewLine}{string.Join(Environment.NewLine, looked)}{Environment.NewLine}" +
            $"Pass a model folder (ONNX file + config.json or genai_config.json + tokenizer), --models-root <folder>, or set {ModelsEnvironmentVariable}.");
    }

    /// <summary>The model folders under every configured models root.</summary>
    public static IEnumerable<string> ModelFolders(string? modelsRootOption) =>
        ModelRoots(modelsRootOption).Select(r => r.Path)
            .Where(root => !string.IsNullOrWhiteSpace(root) && Directory.Exists(root))
            .Distinct()
            .SelectMany(root => Directory.EnumerateDirectories(root!))
            .Where(folder => Directory.EnumerateFiles(folder, "*.onnx", SearchOption.AllDirectories).Any())
            .Order(StringComparer.Ordinal);

    /// <summary>The models roots in the order they are consulted, each with how the user set it.</summary>
    private static (string Source, string? Path)[] ModelRoots(string? modelsRootOption) =>
    [
        ("--models-root option", modelsRootOption),
        ($"{ModelsEnvironmentVariable} environment variable", Environment.GetEnvironmentVariable(ModelsEnvironmentVariable)),
        ("EvalTestsModelsRoot build property", ModelsRoot),
        ("per-user cache", Path.Combine(UserCache.Root, "models")),
    ];

    private static string? Metadata(string key) =>
        typeof(BuildDefaults).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == key)?.Value is { Length: > 0 } value ? value : null;
}
