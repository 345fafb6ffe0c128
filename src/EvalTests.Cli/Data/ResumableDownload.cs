using System.Net;
using System.Net.Http.Headers;

namespace EvalTests.Cli.Data;

/// <summary>
/// One file fetched over HTTP into a <c>.part</c> file that a later attempt continues: the continuation carries
/// <c>If-Range</c> with the validator (ETag or Last-Modified) of the first response, so a file that changed upstream is
/// fetched whole again instead of spliced; its length is checked against what the server announced; and a size cap
/// stops a download that grows past it.
/// </summary>
internal sealed class ResumableDownload(HttpClient http, long maxBytes)
{
    public async Task FetchAsync(Uri url, string part, IProgress<DownloadProgress>? progress, CancellationToken cancellationToken)
    {
        var validatorFile = part + ".validator";
        var existing = File.Exists(part) ? new FileInfo(part).Length : 0;
        var validator = existing > 0 && File.Exists(validatorFile) ? await File.ReadAllTextAsync(validatorFile, cancellationToken).ConfigureAwait(false) : null;
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (validator is not null)
        {
            // Without a validator a range could splice two versions of the file: such a part file is fetched again.
            request.Headers.Range = new RangeHeaderValue(existing, null);
            request.Headers.IfRange = validator.StartsWith('"')
                ? new RangeConditionHeaderValue(new EntityTagHeaderValue(validator))
                : new RangeConditionHeaderValue(DateTimeOffset.Parse(validator, System.Globalization.CultureInfo.InvariantCulture));
        }

        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (validator is not null && response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable
            && response.Content.Headers.ContentRange?.Length == existing)
        {
            return; // The part file already holds the whole file.
        }

        response.EnsureSuccessStatusCode();
        var resumed = validator is not null && response.StatusCode == HttpStatusCode.PartialContent;
        var start = resumed ? existing : 0;
        var total = response.Content.Headers.ContentRange?.Length ?? (response.Content.Headers.ContentLength is { } length ? length + start : null);
        if (total > maxBytes)
        {
            throw new InvalidDataException($"{url}: the file is {total:N0} bytes, more than the {maxBytes:N0} a data pull accepts.");
        }

        // The validator of this response is what a continuation must match (a 200 starts the file over); If-Range takes
        // only a strong ETag or a date.
        var newValidator = response.Headers.ETag is { IsWeak: false } etag ? etag.ToString()
            : response.Content.Headers.LastModified?.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        if (!resumed)
        {
            File.Delete(validatorFile);
            if (newValidator is not null)
            {
                await File.WriteAllTextAsync(validatorFile, newValidator, cancellationToken).ConfigureAwait(false);
            }
        }

        await using var source = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using var target = new FileStream(part, resumed ? FileMode.Append : FileMode.Create, FileAccess.Write);
        var buffer = new byte[81920];
        var bytes = start;
        int read;
        while ((read = await source.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            bytes += read;
            if (bytes > maxBytes)
            {
                target.Close();
                File.Delete(part);
                File.Delete(validatorFile);
                throw new InvalidDataException($"{url}: the download passed the {maxBytes:N0} bytes a data pull accepts; it was stopped and deleted.");
            }

            await target.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            progress?.Report(new DownloadProgress(bytes, total));
        }

        if (total is { } expected && bytes != expected)
        {
            throw new IOException($"{url}: the download stopped at {bytes:N0} of {expected:N0} bytes; run the pull again to resume.");
        }

        File.Delete(validatorFile);
    }
}
