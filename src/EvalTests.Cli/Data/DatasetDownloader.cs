using EvalTests.Datasets;

namespace EvalTests.Cli.Data;

/// <summary>Progress of a download: bytes so far and the total when the server tells it.</summary>
internal readonly record struct DownloadProgress(long Bytes, long? TotalBytes);

/// <summary>The most a data pull downloads and unpacks; a benchmark's archive is far below them.</summary>
/// <param name="MaxDownloadBytes">The archive's size.</param>
/// <param name="MaxExtractedBytes">The bytes it unpacks to.</param>
/// <param name="MaxEntries">The files and folders it holds.</param>
internal sealed record DownloadLimits(long MaxDownloadBytes = 4L << 30, long MaxExtractedBytes = 16L << 30, int MaxEntries = 200_000);

/// <summary>
/// Downloads a benchmark's upstream archive into a data root: resumable (<see cref="ResumableDownload"/>), verified
/// (archive hash when pinned, then every extracted file against the card), extracted safely (<see cref="SafeExtraction"/>),
/// and installed whole: the verified files are assembled in a temporary folder that replaces the benchmark folder by
/// rename, so a failed pull leaves the previous install as it was. An archive that fails verification or extraction is
/// deleted, so the next pull downloads it again instead of failing on the same bytes.
/// </summary>
internal sealed class DatasetDownloader(HttpClient http, DownloadLimits? limits = null)
{
    private readonly DownloadLimits _limits = limits ?? new DownloadLimits();

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
        if (!File.Exists(archive))
        {
            var part = archive + ".part";
            await new ResumableDownload(http, _limits.MaxDownloadBytes).FetchAsync(url, part, progress, cancellationToken).ConfigureAwait(false);
            File.Move(part, archive, overwrite: true);
        }

        var staging = Path.Combine(downloads, card.Name + ".extract");
        try
        {
            return await InstallAsync(card, dataRoot, archive, staging, SafeExtraction.IsArchive(url.AbsolutePath), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException && !cancellationToken.IsCancellationRequested)
        {
            File.Delete(archive);
            throw new InvalidDataException($"{ex.Message} The download was deleted: `evaltests data pull {card.Name}` fetches it again.", ex);
        }
        finally
        {
            if (Directory.Exists(staging))
            {
                Directory.Delete(staging, recursive: true);
            }
        }
    }

    private async Task<string> InstallAsync(DatasetCard card, string dataRoot, string archive, string staging, bool isArchive, CancellationToken cancellationToken)
    {
        if (card.Upstream?.Sha256 is { } pinned && DataIntegrity.HashFile(archive) is var actual && !string.Equals(actual, pinned, StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidDataException($"{archive}: SHA-256 mismatch: the {card.Title} card expects {pinned}, the download has {actual}.");
        }

        if (Directory.Exists(staging))
        {
            Directory.Delete(staging, recursive: true);
        }

        Directory.CreateDirectory(staging);
        if (card.Sha256.Count == 1 && !isArchive)
        {
            // A benchmark of one file may name that file itself as its upstream (GSM8K's test.jsonl).
            var single = Path.Combine(staging, card.Sha256.Keys.Single());
            Directory.CreateDirectory(Path.GetDirectoryName(single)!);
            File.Copy(archive, single);
        }
        else
        {
            try
            {
                await SafeExtraction.ExtractAsync(archive, staging, _limits.MaxExtractedBytes, _limits.MaxEntries, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException && !ex.Message.StartsWith(archive, StringComparison.Ordinal))
            {
                // The archive library's own complaint (a truncated zip, a bad gzip stream), said about the file.
                throw new InvalidDataException($"{archive}: not a readable archive ({ex.Message}).", ex);
            }
        }

        var root = FindRoot(card, staging)
            ?? throw new InvalidDataException($"{archive}: the archive does not contain '{card.Sha256.Keys.First()}' at any folder level; it is not the {card.Title} data.");
        var bad = DataIntegrity.Verify(card, root).Where(check => !check.IsValid).ToList();
        if (bad.Count > 0)
        {
            var first = bad[0];
            throw new InvalidDataException($"{Path.Combine(root, first.RelativePath)}: SHA-256 mismatch: the card expects {first.Expected}, the file has {first.Actual ?? "nothing (missing)"} ({bad.Count} file(s) differ). Nothing was installed.");
        }

        // Assemble the new folder beside the old one, then swap them by rename.
        var target = Path.Combine(dataRoot, card.Name);
        var incoming = Path.Combine(dataRoot, $".{card.Name}.incoming");
        var previous = Path.Combine(dataRoot, $".{card.Name}.previous");
        foreach (var leftover in new[] { incoming, previous }.Where(Directory.Exists))
        {
            Directory.Delete(leftover, recursive: true);
        }

        foreach (var relative in card.Sha256.Keys)
        {
            var destination = Path.Combine(incoming, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(Path.Combine(root, relative), destination);
        }

        if (Directory.Exists(target))
        {
            Directory.Move(target, previous);
        }

        try
        {
            Directory.Move(incoming, target);
        }
        catch
        {
            if (Directory.Exists(previous))
            {
                Directory.Move(previous, target);
            }

            throw;
        }

        if (Directory.Exists(previous))
        {
            Directory.Delete(previous, recursive: true);
        }

        return target;
    }

    private static string? FindRoot(DatasetCard card, string staging)
    {
        var probe = card.Sha256.Keys.First().Replace('/', Path.DirectorySeparatorChar);
        return Directory.EnumerateDirectories(staging, "*", SearchOption.AllDirectories)
            .Prepend(staging)
            .FirstOrDefault(folder => File.Exists(Path.Combine(folder, probe)));
    }
}
