using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace EvalTests.Runs;

/// <summary>Writes JSON the way OpenCompass does (<c>indent=4, ensure_ascii=False</c>), so Chinese text stays readable.</summary>
internal static class OutputJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        IndentSize = 4,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static async Task WriteAsync(string path, JsonNode node, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        // Write beside the target and move, so a killed run never leaves a half-written file under the final name.
        var temporary = path + ".tmp";
        await File.WriteAllTextAsync(temporary, node.ToJsonString(Options) + "\n", cancellationToken).ConfigureAwait(false);
        File.Move(temporary, path, overwrite: true);
    }
}
