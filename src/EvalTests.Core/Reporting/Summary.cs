using System.Globalization;
using System.Text;
using EvalTests.Python;
using EvalTests.Scoring;

namespace EvalTests.Reporting;

/// <summary>A scored dataset (one subset of one config) of one model.</summary>
/// <param name="Abbr">The dataset abbreviation (e.g. <c>ceval-law</c>).</param>
/// <param name="Version">The short prompt hash.</param>
/// <param name="Mode">gen or ppl.</param>
/// <param name="Metric">The metric name (e.g. <c>accuracy</c>).</param>
/// <param name="Score">The outcome counts.</param>
public sealed record DatasetScore(string Abbr, string Version, string Mode, string Metric, SubsetScore Score);

/// <summary>
/// A summary group: a metric over its member datasets' scores (by default their naive average), shown only when every
/// member has a score — OpenCompass's <c>summary_groups</c> entry.
/// </summary>
/// <param name="Name">The group abbreviation (e.g. <c>ceval-stem</c>).</param>
/// <param name="Members">The dataset abbreviations combined.</param>
public sealed record SummaryGroup(string Name, IReadOnlyList<string> Members)
{
    /// <summary>How the members' scores combine.</summary>
    public GroupMetric Metric { get; init; } = GroupMetric.NaiveAverage;

    /// <summary>Per member, its weight (<see cref="GroupMetric.WeightedAverage"/>, or a weighted <see cref="GroupMetric.Sum"/>).</summary>
    public IReadOnlyDictionary<string, double>? Weights { get; init; }
}

/// <summary>One row of the summary table.</summary>
/// <param name="Dataset">Dataset or group name.</param>
/// <param name="Version">Prompt hash, or <c>-</c> for groups.</param>
/// <param name="Metric">Metric name.</param>
/// <param name="Mode">gen, ppl, or mixed.</param>
/// <param name="Scores">One score per model, null where missing.</param>
/// <param name="StandardErrors">The standard error of each score, null where missing.</param>
public sealed record SummaryRow(string Dataset, string Version, string Metric, string Mode, IReadOnlyList<double?> Scores, IReadOnlyList<double?> StandardErrors);

/// <summary>The scores of one or more models on a set of datasets and groups, laid out as OpenCompass's default summarizer does.</summary>
public sealed class Summary
{
    private Summary(IReadOnlyList<string> models, IReadOnlyList<SummaryRow> rows, IReadOnlyList<IReadOnlyList<(string Dataset, string Raw)>> raw, IReadOnlyList<DatasetScore> scores)
    {
        Models = models;
        Rows = rows;
        Raw = raw;
        Scores = scores;
    }

    /// <summary>The model abbreviations, one column each.</summary>
    public IReadOnlyList<string> Models { get; }

    /// <summary>The table rows: datasets in order, then groups.</summary>
    public IReadOnlyList<SummaryRow> Rows { get; }

    /// <summary>Per model, each dataset's raw result as OpenCompass prints it in the raw section.</summary>
    public IReadOnlyList<IReadOnlyList<(string Dataset, string Raw)>> Raw { get; }

    /// <summary>All dataset scores that went into the table.</summary>
    public IReadOnlyList<DatasetScore> Scores { get; }

    /// <summary>Builds the summary of one model.</summary>
    public static Summary Build(string model, IReadOnlyList<string> datasetOrder, IReadOnlyList<DatasetScore> scores, IReadOnlyList<SummaryGroup> groups) =>
        Build([model], datasetOrder, [scores], groups);

    /// <summary>Builds the summary of several models (one column each).</summary>
    public static Summary Build(IReadOnlyList<string> models, IReadOnlyList<string> datasetOrder, IReadOnlyList<IReadOnlyList<DatasetScore>> scoresPerModel, IReadOnlyList<SummaryGroup> groups)
    {
        var byModel = scoresPerModel.Select(s => s.ToDictionary(d => d.Abbr, StringComparer.Ordinal)).ToList();
        var rows = new List<SummaryRow>();
        var raw = models.Select(_ => new List<(string, string)>()).ToList();

        foreach (var abbr in datasetOrder)
        {
            var present = byModel.Select(m => m.GetValueOrDefault(abbr)).ToList();
            var any = present.FirstOrDefault(p => p is not null);
            if (any is null)
            {
                rows.Add(new SummaryRow(abbr, "-", "-", "-", models.Select(_ => (double?)null).ToList(), models.Select(_ => (double?)null).ToList()));
                continue;
            }

            rows.Add(new SummaryRow(abbr, any.Version, any.Metric, any.Mode,
                present.Select(p => p is null ? null : (double?)p.Score.Value).ToList(),
                present.Select(p => p is null ? null : (double?)p.Score.ValueStandardError).ToList()));
            for (var m = 0; m < models.Count; m++)
            {
                if (present[m] is { } score)
                {
                    raw[m].Add((abbr, RawResult(score)));
                }
            }
        }

        foreach (var group in groups)
        {
            var averages = new List<double?>();
            var errors = new List<double?>();
            var modes = new HashSet<string>(StringComparer.Ordinal);
            var computedForAnyModel = false;
            for (var m = 0; m < models.Count; m++)
            {
                var available = group.Members.Where(byModel[m].ContainsKey).ToList();
                var missing = group.Members.Where(member => !byModel[m].ContainsKey(member)).ToList();
                if (available.Count == 0)
                {
                    averages.Add(null);
                    errors.Add(null);
                    continue;
                }

                if (missing.Count > 0)
                {
                    raw[m].Add((group.Name, $"{{'error': {PythonRepr.FormatString($"missing metrics: [{string.Join(", ", missing.Select(PythonRepr.FormatString))}]")}}}"));
                    averages.Add(null);
                    errors.Add(null);
                    continue;
                }

                var members = available.Select(a => byModel[m][a]).ToList();
                var (value, error) = Combine(group, members);
                foreach (var member in members)
                {
                    modes.Add(member.Mode);
                }

                averages.Add(value);
                errors.Add(error);
                raw[m].Add((group.Name, $"{{'{group.Metric.OpenCompassName()}': {PythonRepr.FormatFloat(value)}}}"));
                computedForAnyModel = true;
            }

            if (computedForAnyModel)
            {
                rows.Add(new SummaryRow(group.Name, "-", group.Metric.OpenCompassName(), modes.Count == 1 ? modes.Single() : "mixed", averages, errors));
            }
        }

        return new Summary(models, rows, raw.Select(r => (IReadOnlyList<(string, string)>)r).ToList(), scoresPerModel.SelectMany(s => s).ToList());
    }

    /// <summary>
    /// A group's value as OpenCompass's <c>_calculate_group_metrics</c> computes it, and its standard error where the
    /// metric is linear in the members' scores (from theirs, taken as independent); null otherwise.
    /// </summary>
    private static (double Value, double? StandardError) Combine(SummaryGroup group, IReadOnlyList<DatasetScore> members)
    {
        var scores = members.Select(s => s.Score.Value).ToList();
        var errors = members.Select(s => s.Score.ValueStandardError).ToList();
        switch (group.Metric)
        {
            case GroupMetric.StandardDeviation:
            {
                var mean = scores.Sum() / scores.Count;
                return (Math.Sqrt(scores.Sum(x => (x - mean) * (x - mean)) / scores.Count), null);
            }

            case GroupMetric.HarmonicMean:
                // Upstream replaces every score by max(score, 1) as soon as one is not positive.
                return scores.Any(x => x <= 0)
                    ? (scores.Count / scores.Sum(x => 1 / Math.Max(x, 1)), null)
                    : (scores.Count / scores.Sum(x => 1 / x), null);
        }

        if (group.Weights is { } weights)
        {
            // Σ score·weight over the non-zero weights, over Σ of every weight (a zero weight keeps a NaN out).
            var byName = members.Select((s, i) => (s.Abbr, Score: scores[i], Error: errors[i])).ToDictionary(x => x.Abbr, StringComparer.Ordinal);
            var used = weights.Where(w => w.Value != 0 && byName.ContainsKey(w.Key)).ToList();
            var numerator = used.Sum(w => byName[w.Key].Score * w.Value);
            var spread = Math.Sqrt(used.Sum(w => w.Value * w.Value * byName[w.Key].Error * byName[w.Key].Error));
            var denominator = weights.Values.Sum();
            return group.Metric == GroupMetric.Sum ? (numerator, spread) : (numerator / denominator, spread / denominator);
        }

        var total = scores.Sum();
        var totalError = Math.Sqrt(errors.Sum(e => e * e));
        return group.Metric == GroupMetric.Sum ? (total, totalError) : (total / scores.Count, totalError / scores.Count);
    }

    /// <summary>The result dict as OpenCompass's raw section prints it.</summary>
    public static string RawResult(DatasetScore score)
    {
        var s = score.Score;
        return string.Create(CultureInfo.InvariantCulture,
            $"{{'{score.Metric}': {PythonRepr.FormatFloat(s.Value)}, 'evaltests': {{'n': {s.Total}, 'correct': {s.Correct}, 'wrong': {s.Wrong}, 'unparsed': {s.Unparsed}, 'errored': {s.Errored}{(s.Scored > 0 ? $", 'scored': {s.Scored}" : string.Empty)}, 'stderr': {PythonRepr.FormatFloat(s.ValueStandardError)}}}}}");
    }

    private static readonly string[] HeaderColumns = ["dataset", "version", "metric", "mode"];

    /// <summary>The table as rows of strings, header first: <c>dataset | version | metric | mode | model…</c>.</summary>
    public IReadOnlyList<IReadOnlyList<string>> ToTable()
    {
        var table = new List<IReadOnlyList<string>> { HeaderColumns.Concat(Models).ToList() };
        foreach (var row in Rows)
        {
            table.Add(new[] { row.Dataset, row.Version, row.Metric, row.Mode }
                .Concat(row.Scores.Select(s => s is { } v ? v.ToString("F2", CultureInfo.InvariantCulture) : "-"))
                .ToList());
        }

        return table;
    }

    /// <summary>The table in tabulate's simple format, as OpenCompass prints it.</summary>
    public string ToText() => Tabulate.Simple(ToTable());

    /// <summary>The table as OpenCompass's markdown.</summary>
    public string ToMarkdown() => Tabulate.Markdown(ToTable());

    /// <summary>The table as OpenCompass's csv file (commas inside cells become spaces).</summary>
    public string ToCsv() => Tabulate.Csv(ToTable());

    /// <summary>The whole <c>summary_&lt;ts&gt;.txt</c>: tabulate, csv, markdown and raw sections between OpenCompass's rulers.</summary>
    public string ToSummaryFile(string timestamp)
    {
        var hat = new string('^', 128);
        var dollar = new string('$', 128);
        var divider = new string('-', 128) + " THIS IS A DIVIDER " + new string('-', 128);
        var table = ToTable();
        var rawLines = new List<string>();
        for (var m = 0; m < Models.Count; m++)
        {
            rawLines.Add("-------------------------------");
            rawLines.Add($"Model: {Models[m]}");
            rawLines.AddRange(Raw[m].Select(r => $"{r.Dataset}: {r.Raw}"));
        }

        return new StringBuilder()
            .Append(timestamp).Append('\n')
            .Append("tabulate format\n").Append(hat).Append('\n').Append(ToText()).Append('\n').Append(dollar).Append("\n\n")
            .Append(divider).Append("\n\n")
            .Append("csv format\n").Append(hat).Append('\n').Append(string.Join("\n", table.Select(r => string.Join(",", r)))).Append('\n').Append(dollar).Append("\n\n")
            .Append("markdown format\n").Append(hat).Append('\n').Append(ToMarkdown()).Append('\n').Append(dollar).Append('\n')
            .Append(divider).Append("\n\n")
            .Append("raw format\n").Append(hat).Append('\n').Append(string.Join("\n", rawLines)).Append('\n').Append(dollar).Append('\n')
            .ToString();
    }
}
