using System.Collections.Concurrent;
using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace EvalTests.Runs;

/// <summary>
/// Keyed JSON values in an append-only JSON Lines file (<c>{"key": …, "value": …}</c> per line), flushed as they are
/// added, so a killed process keeps everything it finished; a line torn by the kill is skipped on load. Keys are
/// <see cref="Models.RequestKey"/>s. It backs both a run's checkpoint (resume) and an API backend's response cache.
/// </summary>
public sealed class JsonLineStore : IDisposable
{
    private readonly ConcurrentDictionary<string, JsonNode> _entries = new(StringComparer.Ordinal);
    private readonly FileStream? _file;
    /// <summary>One lock per file across every store of this process (two stores may append to the same file).</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Lock> FileLocks = new(StringComparer.Ordinal);

    /// <summary>
    /// The byte other processes lock while they append (far past any content, so readers are never blocked where a
    /// lock is mandatory); POSIX record locks make it a mutex between processes.
    /// </summary>
    private const long AppendLockOffset = long.MaxValue - 1;

    private readonly Lock _writeLock;

    private JsonLineStore(string? path)
    {
        Path = path;
        _writeLock = path is null ? new Lock() : FileLocks.GetOrAdd(System.IO.Path.GetFullPath(path), _ => new Lock());
        if (path is null)
        {
            return;
        }

        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        if (HasContent(path))
        {
            foreach (var line in File.ReadLines(path))
            {
                if (TryParse(line) is { } entry)
                {
                    _entries[entry.Key] = entry.Value;
                }
            }
        }

        // Unbuffered: each entry is one write, so a failed write leaves nothing behind to fail again on dispose.
        _file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0);
        if (HasContent(path) && !EndsWithNewline(path))
        {
            // The last line was torn by a kill: start a fresh line so the next entry is whole.
            _file.WriteByte((byte)'\n');
            _file.Flush();
        }
    }

    /// <summary>Takes the cross-process append lock, waiting for another writer; false where the platform has no file locks.</summary>
    private static bool LockForAppend(FileStream file)
    {
        if (OperatingSystem.IsMacOS())
        {
            return false; // .NET has no file locks there: one writer per file, as before
        }

        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            try
            {
                file.Lock(AppendLockOffset, 1);
                return true;
            }
            catch (PlatformNotSupportedException)
            {
                return false;
            }
            catch (IOException) when (waited.Elapsed < TimeSpan.FromSeconds(30))
            {
                Thread.Sleep(1);
            }
        }
    }

    /// <summary>The file, or null for a store that keeps nothing.</summary>
    public string? Path { get; }

    /// <summary>How many keys the store holds.</summary>
    public int Count => _entries.Count;

    /// <summary>Opens (or creates) the store in a file; a null path keeps nothing.</summary>
    public static JsonLineStore Open(string? path) => new(path);

    /// <summary>Opens the store <c>&lt;folder&gt;/&lt;name&gt;.jsonl</c>, the name made safe for a file system; a null folder keeps nothing.</summary>
    public static JsonLineStore Open(string? folder, string name) =>
        new(folder is null ? null : System.IO.Path.Combine(folder, SafeFileName(name) + ".jsonl"));

    /// <summary>The value stored under a key, if any.</summary>
    public bool TryGet(string key, out JsonNode value) => _entries.TryGetValue(key, out value!);

    /// <summary>The entries of stores other processes may still be writing, read once and never written.</summary>
    public static Dictionary<string, JsonNode> ReadEntries(IEnumerable<string> paths)
    {
        var entries = new Dictionary<string, JsonNode>(StringComparer.Ordinal);
        foreach (var path in paths.Where(HasContent))
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            while (reader.ReadLine() is { } line)
            {
                if (TryParse(line) is { } entry)
                {
                    entries.TryAdd(entry.Key, entry.Value);
                }
            }
        }

        return entries;
    }

    /// <summary>Stores a value under a key and appends it to the file at once (written unbuffered, so a failed write fails here).</summary>
    public void Add(string key, JsonNode value)
    {
        if (_file is null || !_entries.TryAdd(key, value))
        {
            return;
        }

        var bytes = Line(key, value);
        lock (_writeLock)
        {
            try
            {
                // Workers of one run and runs side by side append to the same file: under the file's lock, write at
                // its current end (a stream remembers its own end, not the one another process moved).
                var locked = LockForAppend(_file);
                try
                {
                    _file.Seek(0, SeekOrigin.End);
                    _file.Write(bytes);
                    _file.Flush(flushToDisk: false);
                }
                finally
                {
                    if (locked && !OperatingSystem.IsMacOS())
                    {
                        _file.Unlock(AppendLockOffset, 1);
                    }
                }
            }
            catch (IOException ex)
            {
                // A full disk: what is already in the file stays valid (a torn last line is skipped on load).
                _entries.TryRemove(key, out _);
                throw new IOException($"{Path}: cannot append ({ex.Message}). Everything written before stays; free space and continue with --reuse.", ex);
            }
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _file?.Dispose();

    /// <summary>One entry as a line of UTF-8 JSON, written straight from the value (a scoring's node holds thousands of numbers).</summary>
    private static byte[] Line(string key, JsonNode value)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("key", key);
            writer.WritePropertyName("value");
            value.WriteTo(writer);
            writer.WriteEndObject();
        }

        buffer.Write("\n"u8);
        return buffer.WrittenSpan.ToArray();
    }

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

    /// <summary>A file with bytes in it (a device such as /dev/full reports none, and is only written).</summary>
    private static bool HasContent(string path)
    {
        var file = new FileInfo(path);
        var target = file.LinkTarget is null ? file : file.ResolveLinkTarget(returnFinalTarget: true) as FileInfo;
        return target is { Exists: true, Length: > 0 };
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
