using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace EvalTests.OpenAI.Caching;

/// <summary>
/// Successful replies on disk, one JSONL file per model identity (<c>&lt;folder&gt;/&lt;provider_model&gt;.jsonl</c>),
/// keyed by <see cref="Models.RequestKey"/>. Appended and flushed as replies arrive, so a killed run keeps what it paid
/// for; a torn last line is skipped on load. Failed replies are never written. The file names no URL and holds no key,
/// so it can be committed and replayed in CI.
/// </summary>
internal sealed class ResponseCache : IDisposable
{
    private readonly ConcurrentDictionary<string, JsonNode> _entries = new(StringComparer.Ordinal);
    private readonly FileStream? _file;
    private readonly Lock _writeLock = new();

    private ResponseCache(string? path)
    {
        Path = path;
        if (path is null)
        {
            return;
        }

        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        if (File.Exists(path))
        {
            foreach (var line in File.ReadLines(path))
            {
                if (TryParse(line) is { } entry)
                {
                    _entries[entry.Key] = entry.Value;
                }
            }
        }

        _file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read);
        if (_file.Length > 0 && !EndsWithNewline(path))
        {
            // The last line was torn by a kill: start a fresh line so the next entry is whole.
            _file.WriteByte((byte)'\n');
            _file.Flush();
        }
    }

    /// <summary>The cache file, or null when caching is off.</summary>
    public string? Path { get; }

    public int Count => _entries.Count;

    public static ResponseCache Open(string? folder, string modelIdentity) =>
        new(folder is null ? null : System.IO.Path.Combine(folder, SafeFileName(modelIdentity) + ".jsonl"));

    public bool TryGet(string key, out JsonNode value) => _entries.TryGetValue(key, out value!);

    public void Add(string key, JsonNode value)
    {
        if (_file is null || !_entries.TryAdd(key, value))
        {
            return;
        }

        var line = new JsonObject { ["key"] = key, ["value"] = value.DeepClone() }.ToJsonString() + "\n";
        var bytes = Encoding.UTF8.GetBytes(line);
        lock (_writeLock)
        {
            _file.Write(bytes);
            _file.Flush(flushToDisk: false);
        }
    }

    public void Dispose() => _file?.Dispose();

    private static (string Key, JsonNode Value)? TryParse(string line)
    {
        if (string.IsNullOrWhiteSpace(line))
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(line) is JsonObject { } entry && entry["key"]?.GetValue<string>() is { } key && entry["value"] is { } value
                ? (key, value.DeepClone())
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static bool EndsWithNewline(string path)
    {
        using var reader = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        reader.Seek(-1, SeekOrigin.End);
        return reader.ReadByte() == '\n';
    }

    private static string SafeFileName(string identity)
    {
        var invalid = System.IO.Path.GetInvalidFileNameChars();
        return string.Concat(identity.Select(c => invalid.Contains(c) || c == ':' || c == '/' || c == '\\' ? '_' : c));
    }
}
