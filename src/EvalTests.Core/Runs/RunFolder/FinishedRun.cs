using System.Text.Json.Nodes;
using EvalTests.Comparison;
using EvalTests.Reporting;

namespace EvalTests.Runs.RunFolder;

/// <summary>One question of a finished run, as a person inspects it.</summary>
/// <param name="Dataset">The dataset abbreviation.</param>
/// <param name="Index">The question's index in the dataset.</param>
/// <param name="Prompt">The prompt the model saw (for ppl, the question's own text; the in-context examples are apart).</param>
/// <param name="Prediction">The model's text (gen) or the label with the lowest PPL (ppl).</param>
/// <param name="Gold">The gold answer.</param>
/// <param name="Answer">The extracted answer that was compared with the gold one.</param>
/// <param name="Outcome">correct, wrong, unparsed, errored or scored.</param>
/// <param name="PplPerLabel">For ppl, each option's PPL.</param>
/// <param name="Error">The model error, when errored.</param>
public sealed record QuestionRecord(string Dataset, int Index, string Prompt, string Prediction, string Gold, string Answer, string Outcome,
    IReadOnlyDictionary<string, double?> PplPerLabel, string? Error)
{
    /// <summary>A judge's replies to this question (with the verdict parsed from each), for judged datasets.</summary>
    public IReadOnlyList<string> Judgements { get; init; } = [];
}

/// <summary>A dataset as a run's config lists it.</summary>
/// <param name="Abbr">The dataset abbreviation.</param>
/// <param name="Version">The dataset version.</param>
/// <param name="Mode">gen or ppl.</param>
internal sealed record RunDataset(string Abbr, string Version, string Mode);

/// <summary>
/// A finished run folder read back without re-scoring anything: the datasets, summary groups and model identities of its
/// <c>configs/*.json</c>, and each model's <c>results/&lt;model&gt;/&lt;dataset&gt;.json</c>. What <c>summarize</c> and
/// <c>compare</c> start from.
/// </summary>
public sealed class FinishedRun
{
    private readonly IReadOnlyList<RunDataset> _datasets;
    private readonly Dictionary<string, string> _identities;
    private readonly Dictionary<string, IReadOnlyList<(DatasetScore Score, string? Outcomes, IReadOnlyDictionary<string, ResultDetailRecord> Details)>> _results = new(StringComparer.Ordinal);

    private FinishedRun(RunOutputLayout layout, IReadOnlyList<RunDataset> datasets, IReadOnlyList<SummaryGroup> groups, Dictionary<string, string> identities, IReadOnlyList<string> models)
    {
        Layout = layout;
        _datasets = datasets;
        Groups = groups;
        _identities = identities;
        Models = models;
    }

    /// <summary>The run folder.</summary>
    public RunOutputLayout Layout { get; }

    /// <summary>The models with results, in the order the run evaluated them.</summary>
    public IReadOnlyList<string> Models { get; }

    /// <summary>The run's summary groups.</summary>
    public IReadOnlyList<SummaryGroup> Groups { get; }

    /// <summary>Reads a run folder's configs and lists its models.</summary>
    /// <exception cref="DirectoryNotFoundException">The folder is not a finished run folder.</exception>
    /// <exception cref="InvalidDataException">A config is not what a run writes; the message names it.</exception>
    public static FinishedRun Read(string runFolder)
    {
        var layout = RunOutputLayout.Of(runFolder);
        var results = Path.Combine(layout.RunFolder, "results");
        if (!Directory.Exists(results) || !Directory.Exists(layout.ConfigsFolder))
        {
            throw new DirectoryNotFoundException($"{layout.RunFolder} is not a finished run folder: it needs configs/ and results/ (pass the <work-dir>/<timestamp> folder a run wrote).");
        }

        var datasets = new List<RunDataset>();
        var groups = new List<SummaryGroup>();
        var identities = new Dictionary<string, string>(StringComparer.Ordinal);
        var ranked = new List<string>(); // the order of the configs' model lists: the order the models ran
        foreach (var file in Directory.GetFiles(layout.ConfigsFolder, "*.json").Order(StringComparer.Ordinal))
        {
            var config = ConfigFile.Read(file);
            foreach (var model in config.Models ?? [])
            {
                if (model.Identity is { } identity && identities.TryAdd(model.Abbr, identity))
                {
                    ranked.Add(model.Abbr);
                }
            }

            foreach (var dataset in config.Datasets ?? [])
            {
                if (datasets.All(d => d.Abbr != dataset.Abbr))
                {
                    datasets.Add(new RunDataset(dataset.Abbr, dataset.Version ?? "-", dataset.Mode ?? "unknown"));
                }
            }

            foreach (var group in config.Summarizer?.SummaryGroups ?? [])
            {
                if (groups.All(g => g.Name != group.Name))
                {
                    groups.Add(new SummaryGroup(group.Name, group.Subsets ?? []));
                }
            }
        }

        if (datasets.Count == 0)
        {
            throw new InvalidDataException($"{layout.ConfigsFolder}: no run config lists any dataset.");
        }

        // The models in the order the run evaluated them (its configs list them so), then any other with results.
        var models = Directory.GetDirectories(results).Select(Path.GetFileName).OfType<string>()
            .Where(m => !m.Contains("_judged-by--", StringComparison.Ordinal)) // a judge's outputs, not a model's results
            .OrderBy(m => ranked.IndexOf(m) is >= 0 and var i ? i : int.MaxValue).ThenBy(m => m, StringComparer.Ordinal).ToList();
        return new FinishedRun(layout, datasets, groups, identities, models);
    }

    /// <summary>The model's identity as the run recorded it (its name when none was).</summary>
    public string IdentityOf(string model) => _identities.GetValueOrDefault(model, model);

    /// <summary>The summary of the chosen models (one column each) with these groups, from the results as they are.</summary>
    /// <exception cref="InvalidDataException">A model has no results in this run.</exception>
    public Summary Summarize(IReadOnlyList<string> models, IReadOnlyList<SummaryGroup> groups)
    {
        ArgumentNullException.ThrowIfNull(models);
        return Summary.Build(models, [.. _datasets.Select(d => d.Abbr)], [.. models.Select(m => (IReadOnlyList<DatasetScore>)[.. ResultsOf(m).Select(r => r.Score)])], groups);
    }

    /// <summary>Every question of one model in the run, dataset by dataset: prompt, prediction, gold, extracted answer, outcome, PPL per option.</summary>
    public IReadOnlyList<QuestionRecord> Questions(string model)
    {
        var questions = new List<QuestionRecord>();
        // The results files were read once already (for the summary); their details are kept.
        foreach (var (score, _, details) in ResultsOf(model))
        {
            var dataset = _datasets.Single(d => d.Abbr == score.Abbr);
            var judgements = Judgements(model, dataset.Abbr);
            var predictions = File.Exists(Layout.Predictions(model, dataset.Abbr)) ? PredictionsFile.Read(Layout.Predictions(model, dataset.Abbr), "no predictions") : null;
            foreach (var (key, detail) in details)
            {
                var prediction = predictions?.GetValueOrDefault(key);
                questions.Add(new QuestionRecord(
                    dataset.Abbr,
                    int.Parse(key, System.Globalization.CultureInfo.InvariantCulture),
                    prediction?.OriginPrompt ?? string.Empty,
                    prediction?.Prediction ?? string.Empty,
                    detail.Gold ?? string.Empty,
                    detail.Pred ?? string.Empty,
                    detail.Outcome ?? string.Empty,
                    (prediction?.Labels ?? []).ToDictionary(l => l.Label, l => l.Ppl, StringComparer.Ordinal),
                    detail.Error)
                {
                    Judgements = judgements.TryGetValue(key, out var replies) ? replies : [],
                });
            }
        }

        return questions;
    }

    /// <summary>Writes <c>summary/summary_&lt;timestamp&gt;.{txt,csv,md,json}</c> into the run folder, as a run does.</summary>
    public Task WriteSummaryAsync(Summary summary, string timestamp, CancellationToken cancellationToken) =>
        SummaryFiles.WriteAsync(Layout, timestamp, summary, usage: null, cancellationToken);

    /// <summary>One model's scores and per-question outcomes, with the run's groups, for a comparison.</summary>
    /// <exception cref="InvalidDataException">The model has no results in this run.</exception>
    public ScoreSheet Sheet(string model)
    {
        var results = ResultsOf(model);
        var summary = Summarize([model], Groups);
        var rows = summary.Rows.Where(r => r.Scores[0] is not null)
            .Select(r => new ScoreSheetRow(r.Dataset, r.Version, r.Metric, r.Scores[0]))
            .ToList();
        var outcomes = results.Where(r => r.Outcomes is not null).ToDictionary(r => r.Score.Abbr, r => r.Outcomes!, StringComparer.Ordinal);
        return new ScoreSheet(IdentityOf(model), rows, outcomes, Groups);
    }

    /// <summary>
    /// The judge's replies per question index, from the verifier's <c>&lt;dataset&gt;_replica0.json</c> beside the
    /// results or a subjective judge's <c>&lt;model&gt;_judged-by--&lt;judge&gt;/&lt;dataset&gt;.json</c>.
    /// </summary>
    private Dictionary<string, List<string>> Judgements(string model, string dataset)
    {
        var results = Path.Combine(Layout.RunFolder, "results");
        var files = new[] { Path.Combine(results, model, dataset + "_replica0.json") }
            .Concat(Directory.GetDirectories(results, model + "_judged-by--*").Select(folder => Path.Combine(folder, dataset + ".json")))
            .Where(File.Exists);
        var judgements = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            foreach (var (key, judgement) in JudgeOutputsFile.Read(file))
            {
                var question = key.Split('_')[0];
                var verdict = judgement.Evaltests?.Shown();
                (judgements.TryGetValue(question, out var list) ? list : judgements[question] = []).Add(verdict is null ? judgement.Prediction : $"{verdict}: {judgement.Prediction}");
            }
        }

        return judgements;
    }

    private IReadOnlyList<(DatasetScore Score, string? Outcomes, IReadOnlyDictionary<string, ResultDetailRecord> Details)> ResultsOf(string model)
    {
        if (_results.TryGetValue(model, out var cached))
        {
            return cached;
        }

        var results = _datasets
            .Where(d => File.Exists(Layout.Results(model, d.Abbr)))
            .Select(d => ResultsFile.Read(Layout.Results(model, d.Abbr), d.Abbr, d.Mode))
            .ToList();
        if (results.Count == 0)
        {
            throw new InvalidDataException($"{Layout.RunFolder}: no results for model '{model}' (models with results: {string.Join(", ", Models)}).");
        }

        return _results[model] = results;
    }
}
