using System.Formats.Tar;
using System.IO.Compression;

namespace EvalTests.Cli.Data;

/// <summary>
/// Unpacks a downloaded archive (.zip, .tar.gz, .tgz) refusing what a data archive never needs and an attacker would
/// use: links, entries that would land outside the target folder, and more files or bytes than the caps allow (a zip
/// bomb's announced sizes are not trusted: bytes are counted as they are written).
/// </summary>
internal static class SafeExtraction
{
    private static readonly string[] Extensions = [".zip", ".tar.gz", ".tgz"];

    public static bool IsArchive(string path) => Extensions.Any(extension => path.EndsWith(extension, StringComparison.OrdinalIgnoreCase));

    public static async Task ExtractAsync(string archive, string destination, long maxBytes, int maxEntries, CancellationToken cancellationToken)
    {
        var budget = new Budget(archive, maxBytes, maxEntries);
        if (archive.EndsWith(".zip", StringComparison.OrdinalIgnoreCase))
        {
            using var zip = ZipFile.OpenRead(archive);
            foreach (var entry in zip.Entries)
            {
                // Unix permission bits in the high word; 0xA000 is a symbolic link.
                if (((entry.ExternalAttributes >> 16) & 0xF000) == 0xA000)
                {
                    throw new InvalidDataException($"{archive}: the entry '{entry.FullName}' is a symbolic link, which a data archive may not hold.");
                }

                var path = Target(archive, destination, entry.FullName);
                budget.Entry();
                if (entry.FullName.EndsWith('/'))
                {
                    Directory.CreateDirectory(path);
                    continue;
                }

                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                await using var source = entry.Open();
                await CopyAsync(source, path, budget, cancellationToken).ConfigureAwait(false);
            }
        }
        else if (archive.EndsWith(".tar.gz", StringComparison.OrdinalIgnoreCase) || archive.EndsWith(".tgz", StringComparison.OrdinalIgnoreCase))
        {
            await using var file = File.OpenRead(archive);
            await using var gzip = new GZipStream(file, CompressionMode.Decompress);
            await using var tar = new TarReader(gzip);
            while (await tar.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false) is { } entry)
            {
                switch (entry.EntryType)
                {
                    case TarEntryType.SymbolicLink or TarEntryType.HardLink:
                        throw new InvalidDataException($"{archive}: the entry '{entry.Name}' is a {(entry.EntryType == TarEntryType.SymbolicLink ? "symbolic" : "hard")} link (to '{entry.LinkName}'), which a data archive may not hold.");
                    case TarEntryType.Directory:
                        budget.Entry();
                        Directory.CreateDirectory(Target(archive, destination, entry.Name));
                        break;
                    case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                        budget.Entry();
                        var path = Target(archive, destination, entry.Name);
                        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                        if (entry.DataStream is { } data)
                        {
                            await CopyAsync(data, path, budget, cancellationToken).ConfigureAwait(false);
                        }
                        else
                        {
                            await File.WriteAllBytesAsync(path, [], cancellationToken).ConfigureAwait(false);
                        }

                        break;
                    default:
                        // Extended headers and the like describe other entries; devices and fifos are not data.
                        if (entry.EntryType is TarEntryType.BlockDevice or TarEntryType.CharacterDevice or TarEntryType.Fifo)
                        {
                            throw new InvalidDataException($"{archive}: the entry '{entry.Name}' is a {entry.EntryType}, which a data archive may not hold.");
                        }

                        break;
                }
            }
        }
        else
        {
            throw new InvalidDataException($"{archive}: unknown archive type (expected .zip, .tar.gz or .tgz).");
        }
    }

    /// <summary>The full path of an entry, refused when it would leave the destination (rooted, or climbing with '..').</summary>
    private static string Target(string archive, string destination, string name)
    {
        var root = Path.GetFullPath(destination) + Path.DirectorySeparatorChar;
        var path = Path.GetFullPath(Path.Combine(root, name.Replace('\\', '/').TrimStart('/')));
        return Path.IsPathRooted(name) || name.Split('/', '\\').Contains("..") || !path.StartsWith(root, StringComparison.Ordinal)
            ? throw new InvalidDataException($"{archive}: the entry '{name}' points outside the folder it is extracted to.")
            : path;
    }

    private static async Task CopyAsync(Stream source, string path, Budget budget, CancellationToken cancellationToken)
    {
        await using var target = File.Create(path);
        var buffer = new byte[81920];
        int read;
        while ((read = await source.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            budget.Bytes(read);
            await target.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
        }
    }

    private sealed class Budget(string archive, long maxBytes, int maxEntries)
    {
        private long _bytes;
        private int _entries;

        public void Entry()
        {
            if (++_entries > maxEntries)
            {
                throw new InvalidDataException($"{archive}: more than {maxEntries:N0} entries, which a data pull does not extract.");
            }
        }

        public void Bytes(int count)
        {
            _bytes += count;
            if (_bytes > maxBytes)
            {
                throw new InvalidDataException($"{archive}: it unpacks to more than {maxBytes:N0} bytes, which a data pull does not extract.");
            }
        }
    }
}
