using System.Text.RegularExpressions;

namespace EvalTests.Reports.Tests;

public sealed class HtmlReportTests(ReportRun run) : IClassFixture<ReportRun>
{
    [Fact]
    public void Report_HasTheSummaryTheChartsTheComparisonAndEveryQuestion()
    {
        var html = HtmlReport.Render(run.Run);

        Assert.Contains("<table id=\"summary\">", html, StringComparison.Ordinal);
        Assert.Matches(@"<th>always-a</th><th>always-b</th>", html);
        Assert.Equal(2, Regex.Count(html, "<svg ")); // scores per category, and the comparison's changes
        Assert.Contains("Paired comparison: always-b against always-a", html, StringComparison.Ordinal);
        Assert.Equal(24, Regex.Count(html, "<tr data-model=")); // 2 models × 3 subjects × 4 questions
        Assert.DoesNotContain("http://", html.Replace("http://www.w3.org/", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal); // nothing fetched at view time
    }

    [Fact]
    public void Report_WithABaseline_ComparesTheFirstModelWithIt()
    {
        var html = HtmlReport.Render(run.Run, ["always-a"], new ReportBaseline("snapshot v1", run.Run.Sheet("always-b")));

        Assert.Contains("Paired comparison: always-a against snapshot v1", html, StringComparison.Ordinal);
        Assert.Contains("<table id=\"comparison\">", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Report_EscapesWhatTheModelWrote()
    {
        var html = HtmlReport.Render(run.Run);

        Assert.DoesNotContain("<script>alert", html, StringComparison.Ordinal);
        Assert.Contains("答案是 A", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HeadlessChromium_RendersTheReport_WithItsTablesChartsAndFilters()
    {
        var page = await HtmlReport.WriteAsync(run.Run, run.Folder.Combine("report.html"), cancellationToken: TestContext.Current.CancellationToken);
        var screenshot = run.Folder.Combine("report.png");

        var (shot, shotOutput) = Chromium($"--screenshot={screenshot}", "--window-size=1280,1600", new Uri(page).AbsoluteUri);
        // The search box reads "#q=" from the address, so the filter runs in the browser before the DOM is dumped.
        var (dump, dom) = Chromium("--dump-dom", new Uri(page).AbsoluteUri + "#q=logic");

        Assert.True(shot == 0, shotOutput);
        var png = await File.ReadAllBytesAsync(screenshot, TestContext.Current.CancellationToken);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
        Assert.Equal(1280, (png[16] << 24) | (png[17] << 16) | (png[18] << 8) | png[19]); // the IHDR width
        Assert.True(png.Length > 20_000, $"a {png.Length}-byte screenshot is too small to show the page");
        Assert.True(dump == 0, dom);
        Assert.Contains("id=\"summary\"", dom, StringComparison.Ordinal);
        Assert.Equal(2, Regex.Count(dom, "<svg "));
        Assert.Contains("8 of 24 questions", dom, StringComparison.Ordinal); // the script ran and filtered to ceval-logic
    }

    /// <summary>Debian's chromium, headless; the path comes from CHROMIUM when set.</summary>
    private static (int ExitCode, string Output) Chromium(params string[] arguments)
    {
        var executable = Environment.GetEnvironmentVariable("CHROMIUM") is { Length: > 0 } configured ? configured : "/usr/bin/chromium";
        Assert.True(File.Exists(executable), $"Chromium is needed for this test: {executable} does not exist (apt-get install chromium, or set CHROMIUM).");
        return TestSupport.ExternalCommand.Run(executable, Path.GetTempPath(), ["--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=5000", .. arguments], timeout: TimeSpan.FromMinutes(1));
    }
}

public sealed class JudgedReportTests : IDisposable
{
    private readonly TestSupport.TempDirectory _work = new();

    public void Dispose() => _work.Dispose();

    [Fact]
    public async Task AJudgedRun_ShowsEachQuestionsJudgeReplyAndVerdict()
    {
        var plan = Runs.RunPlan.Create(Datasets.DatasetCatalog.Default, ["gsm8k_llmjudge"]);
        var settings = new Runs.RunSettings { WorkDir = _work.Path, Timestamp = "20261130_120000", Limit = 2, BatchSize = 2 };
        var model = new TestSupport.ScriptedLanguageModel(_ => "The answer is 18.");
        var judge = new TestSupport.ScriptedLanguageModel(_ => "A", abbr: "judge");
        await new Runs.EvaluationRunner(model, settings, judge: judge).RunAsync(plan, card => Path.Combine(TestSupport.SharedData.Datasets, card.Name), TestContext.Current.CancellationToken);

        var html = HtmlReport.Render(Runs.RunFolder.FinishedRun.Read(Path.Combine(_work.Path, "20261130_120000")));

        Assert.Equal(2, Regex.Count(html, "<div class=\"judgement\"><b>judge</b> Correct: A</div>"));
        Assert.DoesNotContain("judged-by", Regex.Match(html, "<select data-column=\"model\">.*?</select>").Value, StringComparison.Ordinal); // the judge's outputs are no model
    }
}
