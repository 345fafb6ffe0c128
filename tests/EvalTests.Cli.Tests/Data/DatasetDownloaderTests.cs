using System.IO.Compression;
using System.Net;
using EvalTests.Datasets;
using EvalTests.TestSupport;

using EvalTests.Cli.Data;

namespace EvalTests.Cli.Tests.Data;

/// <summary>
/// Serves an archive built from ../shared/datasets on a loopback port with an ETag, honouring Range only when If-Range
/// matches (as a real server does), optionally dropping the first response halfway.
/// </summary>
internal sealed class LoopbackArchiveServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly CancellationTokenSource _stop = new();
    private int _requests;

    public LoopbackArchiveServer(byte[] archive, bool dropFirstResponse)
    {
        Archive = archive;
        var port = Random.Shared.Next(20000, 60000);
        Prefix = $"http://127.0.0.1:{port}/";
        _listener.Prefixes.Add(Prefix);
        _listener.Start();
        _ = Task.Run(() => ServeAsync(dropFirstResponse));
    }

    public string Prefix { get; }

    public List<string?> RangeHeaders { get; } = [];

    public List<string?> IfRangeHeaders { get; } = [];

    /// <summary>The file served; replacing it changes the ETag, as a new upstream version would.</summary>
    public byte[] Archive { get; set; }

    private string ETag => $"\"{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Archive))[..16]}\"";

    private async Task ServeAsync(bool dropFirst)
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }

            var archive = Archive;
            var range = context.Request.Headers["Range"];
            var ifRange = context.Request.Headers["If-Range"];
            RangeHeaders.Add(range);
            IfRangeHeaders.Add(ifRange);
            var honoured = range is not null && (ifRange is null || ifRange == ETag);
            var start = honoured ? long.Parse(range!["bytes=".Length..].TrimEnd('-'), System.Globalization.CultureInfo.InvariantCulture) : 0;
            var response = context.Response;
            response.StatusCode = honoured ? 206 : 200;
            response.Headers["ETag"] = ETag;
            if (honoured)
            {
                response.Headers["Content-Range"] = $"bytes {start}-{archive.Length - 1}/{archive.Length}";
            }

            response.ContentLength64 = archive.Length - start;
            if (Interlocked.Increment(ref _requests) == 1 && dropFirst)
            {
                await response.OutputStream.WriteAsync(archive.AsMemory(0, archive.Length / 2));
                await response.OutputStream.FlushAsync();
                response.Abort();
                continue;
            }

            await response.OutputStream.WriteAsync(archive.AsMemory((int)start));
            response.Close();
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Close();
    }
}

public sealed class DatasetDownloaderTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private static DatasetCard Ceval => DatasetCatalog.Default.Cards.Single(c => c.Name == "ceval");

    private static byte[] ZipOf(string folder, string? corrupt = null)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var file in Directory.EnumerateFiles(folder, "*.csv", SearchOption.AllDirectories))
            {
                var name = "ceval-exam/" + Path.GetRelativePath(folder, file).Replace('\\', '/');
                var entry = zip.CreateEntry(name, CompressionLevel.Fastest);
                using var stream = entry.Open();
                var bytes = File.ReadAllBytes(file);
                if (name.EndsWith(corrupt ?? "\0", StringComparison.Ordinal))
                {
                    bytes[^3] ^= 0x20;
                }

                stream.Write(bytes);
            }
        }

        return buffer.ToArray();
    }

    [Fact]
    public async Task Pull_ResumesAfterADroppedConnection_VerifiesAndInstallsEveryFile()
    {
        using var server = new LoopbackArchiveServer(ZipOf(Path.Combine(SharedData.Datasets, "ceval")), dropFirstResponse: true);
        using var http = new HttpClient();
        var downloader = new DatasetDownloader(http);
        var url = new Uri(server.Prefix + "ceval-exam.zip");
        var ct = TestContext.Current.CancellationToken;

        await Assert.ThrowsAnyAsync<Exception>(() => downloader.PullAsync(Ceval, _temp.Path, url, cancellationToken: ct));
        var folder = await downloader.PullAsync(Ceval, _temp.Path, url, cancellationToken: ct);

        Assert.Null(server.RangeHeaders[0]);
        Assert.StartsWith("bytes=", server.RangeHeaders[1], StringComparison.Ordinal);
        Assert.All(DataIntegrity.Verify(Ceval, folder), check => Assert.True(check.IsValid, check.RelativePath));
    }

    [Fact]
    public async Task Pull_FileWithWrongHash_InstallsNothingAndNamesTheFile()
    {
        using var server = new LoopbackArchiveServer(ZipOf(Path.Combine(SharedData.Datasets, "ceval"), corrupt: "val/law_val.csv"), dropFirstResponse: false);
        using var http = new HttpClient();

        var error = await Assert.ThrowsAsync<InvalidDataException>(() =>
            new DatasetDownloader(http).PullAsync(Ceval, _temp.Path, new Uri(server.Prefix + "ceval-exam.zip"), cancellationToken: TestContext.Current.CancellationToken));

        Assert.Contains("law_val.csv: SHA-256 mismatch", error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_temp.Combine("ceval")));
    }

    [Fact]
    public async Task Pull_ResumesOnlyTheSameFile_IfRangeCarriesTheFirstResponsesETag_AndAChangedFileIsFetchedWhole()
    {
        var ceval = ZipOf(Path.Combine(SharedData.Datasets, "ceval"));
        using var server = new LoopbackArchiveServer(ZipOf(Path.Combine(SharedData.Datasets, "ceval"), corrupt: "val/law_val.csv"), dropFirstResponse: true);
        using var http = new HttpClient();
        var url = new Uri(server.Prefix + "ceval-exam.zip");
        var ct = TestContext.Current.CancellationToken;

        await Assert.ThrowsAnyAsync<Exception>(() => new DatasetDownloader(http).PullAsync(Ceval, _temp.Path, url, cancellationToken: ct));
        server.Archive = ceval; // upstream replaced the file between the two attempts
        var folder = await new DatasetDownloader(http).PullAsync(Ceval, _temp.Path, url, cancellationToken: ct);

        Assert.StartsWith("\"", server.IfRangeHeaders[1], StringComparison.Ordinal);
        Assert.StartsWith("bytes=", server.RangeHeaders[1], StringComparison.Ordinal);
        Assert.All(DataIntegrity.Verify(Ceval, folder), check => Assert.True(check.IsValid, check.RelativePath));
    }

    [Fact]
    public async Task Pull_ACorruptArchive_IsDeleted_SoTheNextPullDownloadsItAgain()
    {
        var good = ZipOf(Path.Combine(SharedData.Datasets, "ceval"));
        using var server = new LoopbackArchiveServer(good[..(good.Length / 3)], dropFirstResponse: false);
        using var http = new HttpClient();
        var url = new Uri(server.Prefix + "ceval-exam.zip");

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => new DatasetDownloader(http).PullAsync(Ceval, _temp.Path, url, cancellationToken: TestContext.Current.CancellationToken));
        Assert.Contains("ceval-exam.zip: not a readable archive", error.Message, StringComparison.Ordinal);
        Assert.Contains("The download was deleted", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(_temp.Combine(".downloads", "ceval-exam.zip")));

        server.Archive = good;
        var folder = await new DatasetDownloader(http).PullAsync(Ceval, _temp.Path, url, cancellationToken: TestContext.Current.CancellationToken);
        Assert.All(DataIntegrity.Verify(Ceval, folder), check => Assert.True(check.IsValid, check.RelativePath));
    }

    [Theory]
    [InlineData("link")]
    [InlineData("escape")]
    public async Task Pull_ATarWithALinkOrAnEntryOutsideItsFolder_IsRefused(string kind)
    {
        using var buffer = new MemoryStream();
        await using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        await using (var tar = new System.Formats.Tar.TarWriter(gzip))
        {
            var entry = kind == "link"
                ? new System.Formats.Tar.PaxTarEntry(System.Formats.Tar.TarEntryType.SymbolicLink, "ceval-exam/val/law_val.csv") { LinkName = "/etc/passwd" }
                : new System.Formats.Tar.PaxTarEntry(System.Formats.Tar.TarEntryType.RegularFile, "../escaped.csv") { DataStream = new MemoryStream([1, 2, 3]) };
            await tar.WriteEntryAsync(entry, TestContext.Current.CancellationToken);
        }

        using var server = new LoopbackArchiveServer(buffer.ToArray(), dropFirstResponse: false);
        using var http = new HttpClient();

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => new DatasetDownloader(http).PullAsync(Ceval, _temp.Path, new Uri(server.Prefix + "ceval-exam.tar.gz"), cancellationToken: TestContext.Current.CancellationToken));

        Assert.Contains(kind == "link" ? "'ceval-exam/val/law_val.csv' is a symbolic link" : "'../escaped.csv' points outside the folder", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(_temp.Combine(".downloads", "escaped.csv")));
        Assert.False(Directory.Exists(_temp.Combine("ceval")));
    }

    [Fact]
    public async Task Pull_AnArchiveLargerThanTheCap_IsRefusedBeforeItIsRead()
    {
        using var server = new LoopbackArchiveServer(ZipOf(Path.Combine(SharedData.Datasets, "ceval")), dropFirstResponse: false);
        using var http = new HttpClient();

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => new DatasetDownloader(http, new DownloadLimits(MaxDownloadBytes: 1000))
            .PullAsync(Ceval, _temp.Path, new Uri(server.Prefix + "ceval-exam.zip"), cancellationToken: TestContext.Current.CancellationToken));

        Assert.Contains("more than the 1,000 a data pull accepts", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pull_ThatFails_LeavesThePreviousInstallAsItWas()
    {
        var good = ZipOf(Path.Combine(SharedData.Datasets, "ceval"));
        using var server = new LoopbackArchiveServer(good, dropFirstResponse: false);
        using var http = new HttpClient();
        var folder = await new DatasetDownloader(http).PullAsync(Ceval, _temp.Path, new Uri(server.Prefix + "ceval-exam.zip"), cancellationToken: TestContext.Current.CancellationToken);

        server.Archive = ZipOf(Path.Combine(SharedData.Datasets, "ceval"), corrupt: "val/law_val.csv");
        await Assert.ThrowsAsync<InvalidDataException>(() => new DatasetDownloader(http).PullAsync(Ceval, _temp.Path, new Uri(server.Prefix + "ceval-exam-v2.zip"), cancellationToken: TestContext.Current.CancellationToken));

        Assert.All(DataIntegrity.Verify(Ceval, folder), check => Assert.True(check.IsValid, check.RelativePath));
        Assert.Equal(["ceval"], Directory.GetDirectories(_temp.Path).Select(Path.GetFileName).Where(n => !n!.StartsWith('.')));
    }
}
