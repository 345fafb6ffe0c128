using System.Diagnostics;
using EvalTests.TestSupport;

namespace EvalTests.Cli.Tests;

/// <summary>A run killed halfway continues with <c>--reuse</c>: nothing answered is asked again, and the result is that of an uninterrupted run.</summary>
public sealed class ResumeTests : IDisposable
{
    private const int Questions = 19 + 24;
    private readonly TempDirectory _work = new();

    public void Dispose() => _work.Dispose();

    private static string[] RunArguments(Uri baseUrl, string workDir, string cacheDir) =>
    [
        "run", "--base-url", baseUrl.ToString(), "--api-key-env", "none", "--datasets", "ceval_gen", "--subsets", "computer_network", "law",
        "--data-root", SharedData.Datasets, "-w", workDir, "--cache-dir", cacheDir, "--qps", "40", "--max-concurrency", "4", "--batch-size", "8",
    ];

    [Fact]
    public async Task ARunKilledWithSIGKILL_ResumesWithoutAskingAnyAnsweredQuestionAgain()
    {
        // The 20th question stalls until the process is killed; every other request is answered.
        var chat = 0;
        var killed = false;
        await using var server = await ScriptedOpenAIServer.StartAsync((path, _) =>
            path == "/v1/chat/completions" && Interlocked.Increment(ref chat) == 20 && !Volatile.Read(ref killed) ? ServerFault.Stall : ServerFault.None,
            answer: question => question.Length % 3 == 0 ? "A" : "B");
        var workDir = _work.Combine("outputs");

        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "evaltests.dll"));
        foreach (var argument in RunArguments(server.BaseUrl, workDir, _work.Combine("cache")))
        {
            start.ArgumentList.Add(argument);
        }

        using (var process = Process.Start(start)!)
        {
            var deadline = Stopwatch.StartNew();
            while (!server.Requests.Any(r => r.Fault == ServerFault.Stall) && deadline.Elapsed < TimeSpan.FromSeconds(60) && !process.HasExited)
            {
                await Task.Delay(50, TestContext.Current.CancellationToken);
            }

            // Let the requests sent beside the stalled one come back (a second with no new request), then kill without warning.
            for (var seen = -1; seen != server.Requests.Count;)
            {
                seen = server.Requests.Count;
                await Task.Delay(1000, TestContext.Current.CancellationToken);
            }

            if (process.HasExited)
            {
                Assert.Fail("the run ended before it could be killed: " + await process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken));
            }

            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        }

        Volatile.Write(ref killed, true);
        var answeredBeforeKill = server.Requests.Count(r => r.Path == "/v1/chat/completions" && r.Fault == ServerFault.None);
        Assert.InRange(answeredBeforeKill, 19, Questions - 1);

        var (exit, output, error) = await CliRunner.RunAsync([.. RunArguments(server.BaseUrl, workDir, _work.Combine("cache")), "--reuse"]);

        Assert.True(exit == 0, error + output);
        var answered = server.Requests.Count(r => r.Path == "/v1/chat/completions" && r.Fault == ServerFault.None);
        Assert.Equal(Questions, answered);
        Assert.Contains("Reusing run ", output, StringComparison.Ordinal);
        Assert.Contains("Resumed: ", output, StringComparison.Ordinal);

        // The same evaluation, never interrupted, in a fresh work dir with a fresh cache.
        var (cleanExit, cleanOutput, cleanError) = await CliRunner.RunAsync(RunArguments(server.BaseUrl, _work.Combine("clean"), _work.Combine("clean-cache")));
        Assert.True(cleanExit == 0, cleanError + cleanOutput);
        var resumedRun = Assert.Single(Directory.GetDirectories(workDir));
        var cleanRun = Assert.Single(Directory.GetDirectories(_work.Combine("clean")));
        foreach (var subject in new[] { "ceval-computer_network", "ceval-law" })
        {
            Assert.Equal(File.ReadAllText(Path.Combine(cleanRun, "predictions", "scripted-model", subject + ".json")), File.ReadAllText(Path.Combine(resumedRun, "predictions", "scripted-model", subject + ".json")));
            Assert.Equal(File.ReadAllText(Path.Combine(cleanRun, "results", "scripted-model", subject + ".json")), File.ReadAllText(Path.Combine(resumedRun, "results", "scripted-model", subject + ".json")));
        }

        Assert.Equal(CliRunner.SummaryTable(cleanOutput), CliRunner.SummaryTable(output));
        Assert.Equal(2, Directory.GetFiles(Path.Combine(resumedRun, "configs")).Length);
    }

    [Fact]
    public async Task Reuse_NamesTheMissingRun()
    {
        var (exit, _, error) = await CliRunner.RunAsync("run", "--model", SharedData.Model("stories260K"), "--datasets", "ceval_gen", "--data-root", SharedData.Datasets, "-w", _work.Path, "--reuse", "20200101_000000");

        Assert.Equal(1, exit);
        Assert.Contains("Cannot reuse run '20200101_000000'", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ctrl_C_exits_130_and_keeps_every_finished_dataset()
    {
        using var stop = new CancellationTokenSource();
        using var output = new StringWriter();
        using var error = new StringWriter();
        var workDir = _work.Combine("outputs");
        // The run writes from other threads through the synchronized wrapper, which locks itself: read under that lock.
        var syncOutput = TextWriter.Synchronized(output);
        string Written()
        {
            lock (syncOutput)
            {
                return output.ToString();
            }
        }

        var running = EvalTestsCommand.InvokeAsync(
            ["run", "--model", SharedData.Model("stories260K"), "--datasets", "ceval_ppl", "--data-root", SharedData.Datasets, "-w", workDir, "--batch-size", "4"],
            syncOutput, TextWriter.Synchronized(error), new Spectre.Console.Testing.TestConsole(), stop.Token);

        // Ctrl-C once the first datasets are done (progress prints "done <dataset>").
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!Written().Contains("  done ", StringComparison.Ordinal) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        await stop.CancelAsync();
        var exit = await running;

        Assert.Equal(130, exit);
        Assert.Contains("Cancelled. Files of finished datasets are kept in the run folder.", error.ToString(), StringComparison.Ordinal);
        var run = Assert.Single(Directory.GetDirectories(workDir));
        var finished = Directory.GetFiles(Path.Combine(run, "predictions", "stories260K"));
        Assert.NotEmpty(finished);
        Assert.True(finished.Length < 52);
        Assert.True(File.ReadAllLines(Path.Combine(run, "checkpoints", "stories260K.jsonl")).Length >= finished.Length);
    }

    [Fact]
    public async Task EvalMode_NeedsARunToScore()
    {
        var (exit, _, error) = await CliRunner.RunAsync("run", "--datasets", "ceval_gen", "--data-root", SharedData.Datasets, "-w", _work.Path, "--mode", "eval");

        Assert.Equal(1, exit);
        Assert.Contains("--mode eval scores the predictions of an earlier run: name it with --reuse [timestamp].", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InferThenEvalFromTheCommandLine_PrintsTheSameSummaryAsOneRun()
    {
        string[] common = ["run", "--model", SharedData.Model("stories260K"), "--datasets", "ceval_gen", "ceval_ppl", "--subsets", "law", "--limit", "4", "--max-out-len", "8", "--data-root", SharedData.Datasets];
        var whole = await CliRunner.RunOkAsync([.. common, "-w", _work.Combine("whole")]);

        var (inferExit, infer, inferError) = await CliRunner.RunAsync([.. common, "-w", _work.Combine("staged"), "--mode", "infer"]);
        var (evalExit, eval, evalError) = await CliRunner.RunAsync([.. common, "-w", _work.Combine("staged"), "--mode", "eval", "--reuse"]);

        Assert.True(inferExit == 0, inferError + infer);
        Assert.Contains("--mode eval --reuse", infer, StringComparison.Ordinal);
        Assert.True(evalExit == 0, evalError + eval);
        Assert.Contains("(no model is loaded)", eval, StringComparison.Ordinal);
        Assert.DoesNotContain("ONNX Runtime", eval, StringComparison.Ordinal);
        Assert.Equal(CliRunner.SummaryTable(whole), CliRunner.SummaryTable(eval));
    }
}
