using System.IO.Compression;
using System.Net;
using EvalTests.Datasets;
using EvalTests.TestSupport;

using EvalTests.Cli.Data;

namespace EvalTests.Cli.Tests.Data;

/// <summary>Serves an archive built from ../shared/datasets on a loopback port, optionally dropping the first response halfway.</summary>
internal sealed class LoopbackArchiveServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly byte[] _archive;
    private readonly CancellationTokenSource _stop = new();
    private int _requests;

    public LoopbackArchiveServer(byte[] archive, bool dropFirstResponse)
    {
        _archive = archive;
        var port = Random.Shared.Next(20000, 60000);
        Prefix = $"http://127.0.0.1:{port}/";
        _listener.Prefixes.Add(Prefix);
        _listener.Start();
        _ = Task.Run(() => ServeAsync(dropFirstResponse));
    }

    public string Prefix { get; }

    public List<string?> RangeHeaders { get; } = [];

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

            var range = context.Request.Headers["Range"];
            RangeHeaders.Add(range);
            var start = range is null ? 0 : long.Parse(range["bytes=".Length..].TrimEnd('-'), System.Globalization.CultureInfo.InvariantCulture);
            var response = context.Response;
            response.StatusCode = range is null ? 200 : 206;
            response.ContentLength64 = _archive.Length - start;
            if (Interlocked.Increment(ref _requests) == 1 && dropFirst)
            {
                await response.OutputStream.WriteAsync(_archive.AsMemory(0, _archive.Length / 2));
                await response.OutputStream.FlushAsync();
                response.Abort();
                continue;
            }

            await response.OutputStream.WriteAsync(_archive.AsMemory((int)start));
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
}
