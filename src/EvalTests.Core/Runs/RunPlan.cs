using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using EvalTests.Datasets;
using EvalTests.Reporting;

namespace EvalTests.Runs;

/// <summary>One subset of one config: the unit that becomes a dataset row, a predictions file and a test case.</summary>
/// <param name="Card">The benchmark.</param>
/// <param name="Config">The evaluation config.</param>
/// <param name="Subset">The subset.</param>
/// <param name="Prefix">The abbreviation prefix of the task's config in this run (<c>ceval</c>, or <c>ceval_gen</c> when two ceval configs run), also its groups' prefix.</param>
/// <param name="Version">The short hash of card, template and data that OpenCompass shows in its version column.</param>
public sealed record EvaluationTask(DatasetCard Card, DatasetConfig Config, SubsetInfo Subset, string Prefix, string Version)
{
    /// <summary>The dataset abbreviation (e.g. <c>ceval-law</c>; a benchmark of one subset is its prefix alone, e.g. <c>gsm8k</c>).</summary>
    public string Abbr { get; } = AbbrOf(Card, Prefix, Subset);

    /// <summary>The abbreviation of a subset's dataset under an abbreviation prefix (see <see cref="Abbr"/>).</summary>
    public static string AbbrOf(DatasetCard card, string prefix, SubsetInfo subset) => card.Subsets.Count == 1 ? prefix : $"{prefix}-{subset.Name}";
}

/// <summary>What a run evaluates: the tasks in report order and the summary groups over them.</summary>
public sealed class RunPlan
{
    private RunPlan(IReadOnlyList<EvaluationTask> tasks, IReadOnlyList<SummaryGroup> groups)
    {
        Tasks = tasks;
        Groups = groups;
    }

    /// <summary>The tasks, in report order.</summary>
    public IReadOnlyList<EvaluationTask> Tasks { get; }

    /// <summary>The summary groups, in report order.</summary>
    public IReadOnlyList<SummaryGroup> Groups { get; }

    /// <summary>
    /// Plans the named configs. When two selected configs share an abbreviation (e.g. <c>ceval_gen</c> and <c>ceval_ppl</c>
    /// both name their rows <c>ceval-…</c>), each is prefixed with its own short name instead (<c>ceval_gen-law</c>,
    /// <c>ceval_ppl-law</c>) so that their predictions and rows stay apart.
    /// </summary>
    /// <param name="catalog">The dataset cards.</param>
    /// <param name="configNames">Config names or aliases, in order.</param>
    /// <param name="subsetFilter">When given, only subsets with these names (or whose abbreviation is named).</param>
    public static RunPlan Create(DatasetCatalog catalog, IReadOnlyList<string> configNames, IReadOnlyCollection<string>? subsetFilter = null)
    {
        var selected = configNames.Select(catalog.Resolve).DistinctBy(p => p.Config.Name).ToList();
        var clashing = selected.GroupBy(p => p.Config.Abbr, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key).ToHashSet(StringComparer.Ordinal);

        var tasks = new List<EvaluationTask>();
        var groups = new List<SummaryGroup>();
        foreach (var (card, config) in selected)
        {
            var prefix = clashing.Contains(config.Abbr) ? (config.Aliases.Count > 0 ? config.Aliases[0] : config.Name) : config.Abbr;
            var subsets = card.Subsets
                .Where(s => subsetFilter is null || subsetFilter.Count == 0 || subsetFilter.Contains(s.Name) || subsetFilter.Contains(EvaluationTask.AbbrOf(card, prefix, s)))
                .ToList();
            tasks.AddRange(subsets.Select(s => new EvaluationTask(card, config, s, prefix, Version(card, config, s))));
            groups.AddRange(card.Groups.Select(g => new SummaryGroup(prefix + g.Suffix,
                card.Subsets.Where(g.Contains).Select(s => EvaluationTask.AbbrOf(card, prefix, s)).ToList())));
        }

        if (subsetFilter is { Count: > 0 })
        {
            var known = selected.SelectMany(p => p.Card.Subsets.Select(s => s.Name)).ToHashSet(StringComparer.Ordinal);
            var unknown = subsetFilter.Where(f => !known.Contains(f) && !tasks.Any(t => t.Abbr == f)).ToList();
            if (unknown.Count > 0)
            {
                throw new ArgumentException($"Unknown subset(s) {string.Join(", ", unknown)} for {string.Join(", ", selected.Select(s => s.Config.Name))}.", nameof(subsetFilter));
            }
        }

        return new RunPlan(tasks, groups);
    }

    /// <summary>
    /// Shard <paramref name="index"/> (1-based) of <paramref name="count"/>: tasks are dealt largest first to the least
    /// loaded shard (ties to the lower shard, equal sizes in report order), so every machine given the same plan and
    /// data computes the same split, the shards are disjoint, together they are the plan, and their sizes are even.
    /// Groups are kept: a shard's summary shows its own rows, and merging the shards gives the whole summary.
    /// </summary>
    /// <param name="index">This shard, 1 to <paramref name="count"/>.</param>
    /// <param name="count">The number of shards.</param>
    /// <param name="size">A task's size (its number of questions).</param>
    public RunPlan Shard(int index, int count, Func<EvaluationTask, int> size)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        if (index < 1 || index > count)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"shard {index}/{count}: the index must be from 1 to {count}.");
        }

        var load = new long[count];
        var owner = new Dictionary<EvaluationTask, int>();
        foreach (var task in Tasks.Select((t, order) => (Task: t, Order: order, Size: size(t))).OrderByDescending(t => t.Size).ThenBy(t => t.Order))
        {
            var least = Array.IndexOf(load, load.Min());
            owner[task.Task] = least;
            load[least] += task.Size;
        }

        return new RunPlan(Tasks.Where(t => owner[t] == index - 1).ToList(), Groups);
    }

    /// <summary>
    /// The first six hex digits of SHA-256 over the card's identity, the config's prompt and scoring settings, the subset,
    /// and the hashes of its data files: editing a prompt or the data changes the version.
    /// </summary>
    public static string Version(DatasetCard card, DatasetConfig config, SubsetInfo subset)
    {
        var files = DatasetLoader.DataFiles(card, subset.Name).Select(f => $"{f}={card.Sha256.GetValueOrDefault(f, "?")}");
        var identity = new List<string>
        {
            card.Name, card.Format.CardName(), card.Splits.Eval, card.Splits.FewShot ?? "", subset.Name, subset.LocalName,
            config.Mode.ToString(), config.Template?.Human ?? "", config.Template?.Bot ?? "", string.Join(",", config.FewShotIds),
            string.Join(",", config.Labels), config.Postprocessor?.ToString() ?? "", config.Metric, string.Join(";", files),
        };
        // Settings that C-Eval and CMMLU leave at their defaults join the hash only when set, so their versions stay put.
        if (config.FixedShots.Count > 0 || config.GoldColumn != "answer" || config.GoldPostprocessor is not null || config.Comparison != AnswerMatch.Exact
            || config.MaxOutLen is not null || config.StopStrings.Count > 0 || config.Judge is not null || config.TextTemplate is not null)
        {
            identity.Add(JsonSerializer.Serialize(new object?[]
            {
                config.FixedShots.Select(s => new[] { s.Human, s.Bot }), config.GoldColumn, config.GoldPostprocessor, config.Comparison.CardName(), config.MaxOutLen, config.StopStrings,
                config.Judge is { } judge ? new object[] { judge.Kind.ToString(), judge.Template.Select(t => new[] { t.Role, t.Prompt }), judge.Cascade, judge.StripThinking, judge.Order.ToString() } : null,
            }));
            if (config.TextTemplate is { } textTemplate)
            {
                identity.Add(JsonSerializer.Serialize(new[] { textTemplate.Ice, textTemplate.Prompt }));
            }
        }

        var text = JsonSerializer.Serialize(identity);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..6];
    }
}
