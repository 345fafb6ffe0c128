using System.Security.Cryptography;
using System.Text;

namespace EvalTests.Onnx.Loading;

/// <summary>
/// What makes a local model answer as it does, hashed: the graph, its external weights, the configs that steer decoding,
/// and the tokenizer with its chat template. Response caches, checkpoints and score snapshots key on it, so a re-export
/// that only changed <c>model.onnx.data</c>, or a new chat template, is another model.
/// </summary>
internal static class ModelIdentity
{
    private static readonly string[] TokenizerFiles =
        ["tokenizer.json", "tokenizer.model", "tokenizer_config.json", "special_tokens_map.json", "vocab.json", "merges.txt", "chat_template.jinja", "chat_template.json"];

    private static readonly string[] ConfigFiles = ["config.json", "generation_config.json", "genai_config.json"];

    /// <summary>The SHA-256 (hex) over every file that shapes the model's answers, each with its role and name.</summary>
    public static string Hash(OnnxModelFolder folder)
    {
        var graphFolder = Path.GetDirectoryName(folder.OnnxFile)!;
        var graphName = Path.GetFileName(folder.OnnxFile);
        // External weights sit beside the graph: model.onnx.data, model.onnx_data, or any *.data the exporter chose.
        var weights = Directory.EnumerateFiles(graphFolder)
            .Where(f => Path.GetFileName(f) is var name && name != graphName &&
                (name.StartsWith(graphName, StringComparison.Ordinal) || name.EndsWith(".data", StringComparison.Ordinal) || name.EndsWith(".onnx_data", StringComparison.Ordinal)))
            .Order(StringComparer.Ordinal);
        var parts = new List<(string Role, string Path)> { ("graph", folder.OnnxFile) };
        parts.AddRange(weights.Select(f => ("weights", f)));
        parts.AddRange(ConfigFiles.Select(f => Path.Combine(folder.Folder, f)).Where(File.Exists).Select(f => ("config", f)));
        parts.AddRange(TokenizerFiles.Select(f => Path.Combine(folder.TokenizerFolder, f)).Where(File.Exists).Select(f => ("tokenizer", f)));

        using var all = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var (role, path) in parts)
        {
            using var stream = File.OpenRead(path);
            all.AppendData(Encoding.UTF8.GetBytes($"{role}:{Path.GetFileName(path)}:"));
            all.AppendData(SHA256.HashData(stream));
        }

        return Convert.ToHexStringLower(all.GetHashAndReset());
    }
}
