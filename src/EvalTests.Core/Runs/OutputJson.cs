using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;

namespace EvalTests.Runs;

/// <summary>
/// Writes JSON the way OpenCompass does (<c>indent=4, ensure_ascii=False</c>), so Chinese text stays readable, and reads
/// the run folder's JSON files back with errors that name the file and line.
/// </summary>
internal static class OutputJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        IndentSize = 4,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static Task WriteAsync(string path, JsonNode node, CancellationToken cancellationToken) => WriteAsync(path, node.ToJsonString(Options), cancellationToken);

    /// <summary>Writes JSON text already serialized with OpenCompass's layout (a typed record's).</summary>
    public static async Task WriteAsync(string path, string json, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        // Write beside the target and move, so a killed run never leaves a half-written file under the final name.
        var temporary = path + ".tmp";
        await File.WriteAllTextAsync(temporary, json + "\n", cancellationToken).ConfigureAwait(false);
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>A typed file of the run folder.</summary>
    /// <param name="path">The file.</param>
    /// <param name="type">Its record type, from <see cref="RunFolder.RunFolderJsonContext"/>.</param>
    /// <param name="expected">What the file holds, for the error when it holds something else.</param>
    /// <exception cref="InvalidDataException">Not valid JSON, or not <paramref name="expected"/>; the message names the file, line and field.</exception>
    public static T Read<T>(string path, JsonTypeInfo<T> type, string expected)
    {
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllText(path), type) ?? throw new InvalidDataException($"{path}: expected {expected}.");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{path}: not {expected} (line {ex.LineNumber + 1}, {ex.Path}): {ex.Message}", ex);
        }
    }

    /// <summary>A JSON object file of the run folder.</summary>
    /// <param name="path">The file.</param>
    /// <param name="expected">What the object holds, for the error when the file holds something else.</param>
    /// <exception cref="InvalidDataException">Not valid JSON, or not an object; the message names the file (and line).</exception>
    public static JsonObject ReadObject(string path, string expected = "a JSON object")
    {
        try
        {
            return JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new InvalidDataException($"{path}: expected {expected}.");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{path}: not valid JSON (line {ex.LineNumber + 1}): {ex.Message}", ex);
        }
    }
}
