using System.Formats.Tar;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;

using EvalTests.Datasets;

namespace EvalTests.Cli.Data;

/// <summary>Progress of a download: bytes so far and the total when the server tells it.</summary>
internal readonly record struct DownloadProgress(long Bytes, long? TotalBytes);

/// <summary>
/// Downloads a benchmark's upstream archive into a data root: resumable (a <c>.part</c> file continued with an HTTP
/// range request), verified (archive hash when pinned, then every extracted file against the card), and extracted.
/// </summary>
internal sealed class DatasetDownloader(HttpClient http)
{
    /// <summary>Downloads and installs <paramref name="card"/>'s files into <c>&lt;dataRoot&gt;/&lt;card name&gt;</c>.</summary>
    /// <returns>The benchmark folder.</returns>
    public async Task<string> PullAsync(DatasetCard card, string dataRoot, Uri? urlOverride = null,
        IProgress<DownloadProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var url = urlOverride ?? (card.Upstream is { } upstream ? new Uri(upstream.Url) : null)
            ?? throw new InvalidOperationException($"The {card.Title} card names no upstream archive; pass a URL.");

        var downloads = Path.Combine(dataRoot, ".downloads");
        Directory.CreateDirectory(downloads);
        var fileName = Path.GetFileName(url.LocalPath) is { Length: > 0 } name ? name : card.Name + ".zip";
        var archive = Path.Combine(downloads, fileName);
        var part = archive + ".part";

        if (!File.Exists(archive))
        {
            await DownloadResumableAsync(url, part, progress, cancellationToken).ConfigureAwait(false);
            File.Move(part, archive, overwrite: true);
        }

        if (card.Upstream?.Sha256 is { } pinned)
        {
            var actual = DataIntegrity.HashFile(archive);
            if (!string.Equals(actual, pinned, StringComparison.OrdinalIgnoreCase))
            {
                File.Delete(archive);
                throw new InvalidDataException($"{archive}: SHA-256 mismatch: the {card.Title} card expects {pinned}, the download has {actual}. The file was deleted; pull again.");
            }
        }

        var staging = Path.Combine(downloads, card.Name + ".extract");
        if (Directory.Exists(staging))
        {
            Directory.Delete(staging, recursive: true);
        }

        Directory.CreateDirectory(staging);
        if (card.Sha256.Count == 1 && !IsArchive(url))
        {
            // A benchmark of one file may name that file itself as its upstream (GSM8K's test.jsonl).
            var single = Path.Combine(staging, card.Sha256.Keys.Single());
            Directory.CreateDirectory(Path.GetDirectoryName(single)!);
            File.Copy(archive, single);
        }
        else
        {
            await ExtractAsync(archive, staging, cancellationToken).ConfigureAwait(false);
        }

        var root = FindRoot(card, staging)
            ?? throw new InvalidDataException($"{archive}: the archive does not contain '{card.Sha256.Keys.First()}' at any folder level; it is not the {card.Title} data.");

        var bad = DataIntegrity.Verify(card, root).Where(check => !check.IsValid).ToList();
        if (bad.Count > 0)
        {
            var first = bad[0];
            throw new InvalidDataException($"{Path.Combine(root, first.RelativePath)}: SHA-256 mismatch: the card expects {first.Expected}, the file has {first.Actual ?? "nothing (missing)"} ({bad.Count} file(s) differ). Nothing was installed.");
        }

        var target = Path.Combine(dataRoot, card.Name);
        foreach (var relative in card.Sha256.Keys)
        {
            var destination = Path.Combine(target, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(Path.Combine(root, relative), destination, overwrite: true);
        }

        Directory.Delete(staging, recursive: true);
        return target;
    }

    private async Task DownloadResumableAsync(Uri url, string part, IProgress<DownloadProgress>? progress, CancellationToken cancellationToken)
    {
        var existing = File.Exists(part) ? new FileInfo(part).Length : 0;
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (existing > 0)
        {
            request.Headers.Range = new RangeHeaderValue(existing, null);
        }

        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (existing > 0 && response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
        {
            return; // The part file already holds the whole archive.
        }

        response.EnsureSuccessStatusCode();
        var resumed = existing > 0 && response.StatusCode == HttpStatusCode.PartialContent;
        var total = response.Content.Headers.ContentLength is { } length ? length + (resumed ? existing : 0) : (long?)null;
        await using var source = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using var target = new FileStream(part, resumed ? FileMode.Append : FileMode.Create, FileAccess.Write);
        var buffer = new byte[81920];
        var bytes = resumed ? existing : 0;
        int read;
        while ((read = await source.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            await target.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            bytes += read;
            progress?.Report(new DownloadProgress(bytes, total));
        }

        if (total is { } expected && bytes != expected)
        {
            throw new IOException($"{url}: the download stopped at {bytes} of {expected} bytes; run the pull again to resume.");
        }
    }

    private static readonly string[] ArchiveExtensions = [".zip", ".tar.gz", ".tgz"];

    private static bool IsArchive(Uri url) => ArchiveExtensions.Any(extension => url.AbsolutePath.EndsWith(extension, StringComparison.OrdinalIgnoreCase));

    private static async Task ExtractAsync(string archive, string destination, CancellationToken cancellationToken)
    {
        if (archive.EndsWith(".zip", StringComparison.OrdinalIgnoreCase))
        {
            await ZipFile.ExtractToDirectoryAsync(archive, destination, overwriteFiles: true, cancellationToken).ConfigureAwait(false);
        }
        else if (archive.EndsWith(".tar.gz", StringComparison.OrdinalIgnoreCase) || archive.EndsWith(".tgz", StringComparison.OrdinalIgnoreCase))
        {
            await using var file = File.OpenRead(archive);
            await using var gzip = new GZipStream(file, CompressionMode.Decompress);
            await TarFile.ExtractToDirectoryAsync(gzip, destination, overwriteFiles: true, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            throw new InvalidDataException($"{archive}: unknown archive type (expected .zip, .tar.gz or .tgz).");
        }
    }

    private static string? FindRoot(DatasetCard card, string staging)
    {
        var probe = card.Sha256.Keys.First().Replace('/', Path.DirectorySeparatorChar);
        return Directory.EnumerateDirectories(staging, "*", SearchOption.AllDirectories)
            .Prepend(staging)
            .FirstOrDefault(folder => File.Exists(Path.Combine(folder, probe)));
    }

}
