using System.Text.Json.Serialization;
using EvalTests.Scoring;

namespace EvalTests.Datasets;

/// <summary>
/// A benchmark described as data: where its files are, how they are split, its subsets and summary groups,
/// and the evaluation configs (prompt template, mode, postprocessor) that OpenCompass names.
/// </summary>
public sealed record DatasetCard
{
    /// <summary>The benchmark's short name, also the folder of its files under a data root (e.g. <c>ceval</c>).</summary>
    public required string Name { get; init; }

    /// <summary>The display name (e.g. <c>C-Eval</c>).</summary>
    public required string Title { get; init; }

    /// <summary>One sentence about the benchmark.</summary>
    public string? Description { get; init; }

    /// <summary>The benchmark's home page.</summary>
    public string? Homepage { get; init; }

    /// <summary>The data licence as the authors state it.</summary>
    public string? License { get; init; }

    /// <summary>How to cite the benchmark.</summary>
    public string? Citation { get; init; }

    /// <summary>The upstream archive that <c>evaltests data pull</c> downloads.</summary>
    public UpstreamArchive? Upstream { get; init; }

    /// <summary>The file format, which selects the loader (<c>csv</c>, <c>jsonl</c>, or a built-in benchmark's own layout).</summary>
    public required DataFormat Format { get; init; }

    /// <summary>csv/jsonl: the name a template uses → the file's column or key; columns not named keep their own names.</summary>
    public IReadOnlyDictionary<string, string>? Columns { get; init; }

    /// <summary>A card read from a file: the folder of its data, relative to the card (default: the card's folder).</summary>
    public string? DataDir { get; init; }

    /// <summary>
    /// The folder holding the benchmark's files when the card says where they are (a card read from a file); null for a
    /// built-in card, whose files are found under a data root.
    /// </summary>
    [JsonIgnore]
    public string? Location { get; init; }

    /// <summary>Where the card was read from (a file path), for error messages.</summary>
    [JsonIgnore]
    public string Source { get; init; } = "built-in card";

    /// <summary>Which split is evaluated and which one supplies in-context examples.</summary>
    public required CardSplits Splits { get; init; }

    /// <summary>A file's path relative to the benchmark folder, with <c>{split}</c> and <c>{subset}</c> placeholders.</summary>
    public required string FilePattern { get; init; }

    /// <summary>The subsets (subjects), in the order OpenCompass lists them.</summary>
    public required IReadOnlyList<SubsetInfo> Subsets { get; init; }

    /// <summary>The summary groups, each a naive average of the subsets in a category.</summary>
    public IReadOnlyList<GroupInfo> Groups { get; init; } = [];

    /// <summary>The evaluation configs this benchmark offers.</summary>
    public required IReadOnlyList<DatasetConfig> Configs { get; init; }

    /// <summary>SHA-256 of data files, keyed by their path relative to the benchmark folder; a file without one is not checked.</summary>
    public IReadOnlyDictionary<string, string> Sha256 { get; init; } = new Dictionary<string, string>();

    /// <summary>The relative path of one subset's file in one split.</summary>
    public string RelativePath(string split, string subset) =>
        FilePattern.Replace("{split}", split, StringComparison.Ordinal).Replace("{subset}", subset, StringComparison.Ordinal);
}

/// <summary>Where a benchmark's upstream archive lives.</summary>
/// <param name="Url">The download address.</param>
/// <param name="Sha256">The archive's SHA-256 when upstream pins one; files are verified one by one either way.</param>
/// <param name="Note">Anything a user should know about the archive.</param>
public sealed record UpstreamArchive(string Url, string? Sha256, string? Note);

/// <summary>The evaluated split and the split that supplies in-context examples.</summary>
/// <param name="Eval">The split whose rows are scored.</param>
/// <param name="FewShot">The split whose rows become in-context examples; none when the benchmark has no such split.</param>
public sealed record CardSplits(string Eval, string? FewShot);

/// <summary>One subset (subject) of a benchmark.</summary>
/// <param name="Name">The file and abbreviation name (e.g. <c>computer_network</c>).</param>
/// <param name="Title">The English display name.</param>
/// <param name="LocalName">The name in the benchmark's language, used in the prompt (e.g. <c>计算机网络</c>).</param>
/// <param name="Categories">The categories the subset belongs to (a subset may be in several).</param>
public sealed record SubsetInfo(string Name, string Title, string LocalName, IReadOnlyList<string> Categories);

/// <summary>A summary group: the naive average of every subset in <paramref name="Category"/> (<c>*</c> for all).</summary>
/// <param name="Suffix">Appended to the config's abbreviation to name the group (e.g. <c>-stem</c>; empty for the whole benchmark).</param>
/// <param name="Category">The category whose subsets the group averages, or <c>*</c>.</param>
public sealed record GroupInfo(string Suffix, string Category)
{
    /// <summary>Whether the subset belongs to this group.</summary>
    public bool Contains(SubsetInfo subset) =>
        Category == "*" || subset.Categories.Contains(Category, StringComparer.Ordinal);
}

/// <summary>How a benchmark is evaluated: OpenCompass's <c>gen</c> (generate then extract) or <c>ppl</c> (lowest perplexity option).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<EvalMode>))]
public enum EvalMode
{
    /// <summary>Generate an answer and extract the option from its text.</summary>
    [JsonStringEnumMemberName("gen")] Gen,

    /// <summary>Score each option's full prompt and pick the lowest perplexity.</summary>
    [JsonStringEnumMemberName("ppl")] Ppl,
}

/// <summary>One evaluation config, named as OpenCompass names it (e.g. <c>ceval_gen_5f30c7</c>).</summary>
public sealed record DatasetConfig
{
    /// <summary>The full config name.</summary>
    public required string Name { get; init; }

    /// <summary>Short names that select this config (e.g. <c>ceval_gen</c>).</summary>
    public IReadOnlyList<string> Aliases { get; init; } = [];

    /// <summary>gen or ppl.</summary>
    public required EvalMode Mode { get; init; }

    /// <summary>The abbreviation prefix of the config's datasets and groups (e.g. <c>ceval</c> gives <c>ceval-law</c>).</summary>
    public required string Abbr { get; init; }

    /// <summary>The chat-turn template of one question and its answer (OpenCompass's meta template); null when <see cref="TextTemplate"/> is given.</summary>
    public TurnTemplate? Template { get; init; }

    /// <summary>OpenCompass's plain-string templates (an ice template and a prompt template with <c>&lt;/E&gt;</c>); null when <see cref="Template"/> is given.</summary>
    public TextTemplate? TextTemplate { get; init; }

    /// <summary>The rows of the few-shot split used as in-context examples, in order (OpenCompass's FixKRetriever; none: ZeroRetriever).</summary>
    public IReadOnlyList<int> FewShotIds { get; init; } = [];

    /// <summary>The first k rows of the few-shot split as examples; the reader turns it into <see cref="FewShotIds"/>.</summary>
    public int? FewShotCount { get; init; }

    /// <summary>The option labels scored in ppl mode.</summary>
    public IReadOnlyList<string> Labels { get; init; } = [];

    /// <summary>The answer postprocessor of gen mode and its arguments (e.g. <c>first_capital</c>, <c>first_option:options=ABCDE</c>); none in ppl mode.</summary>
    public PostprocessorSpec? Postprocessor { get; init; }

    /// <summary>The metric name reported (e.g. <c>accuracy</c>).</summary>
    public required string Metric { get; init; }

    /// <summary>Fixed in-context examples written into the config, before the question (e.g. GSM8K's four worked answers).</summary>
    public IReadOnlyList<TurnTemplate> FixedShots { get; init; } = [];

    /// <summary>The column holding the gold answer (OpenCompass's <c>output_column</c>).</summary>
    public string GoldColumn { get; init; } = "answer";

    /// <summary>Turns the gold column into the answer compared (OpenCompass's <c>dataset_postprocessor</c>, e.g. <c>gsm8k_dataset</c>).</summary>
    public string? GoldPostprocessor { get; init; }

    /// <summary>How an extracted answer is compared with the gold one: <c>exact</c> (default) or <c>numeric</c> (GSM8K's evaluator).</summary>
    public AnswerMatch Comparison { get; init; }

    /// <summary>The most tokens generated per answer for this config, when it sets its own (OpenCompass's inferencer <c>max_out_len</c>).</summary>
    public int? MaxOutLen { get; init; }

    /// <summary>Generation stops before any of these (OpenCompass's <c>stopping_criteria</c>).</summary>
    public IReadOnlyList<string> StopStrings { get; init; } = [];

    /// <summary>The judge that scores the answers, when a model judges them instead of (or after) the postprocessor.</summary>
    public JudgeSpec? Judge { get; init; }

    /// <summary>Whether <paramref name="name"/> selects this config.</summary>
    public bool IsNamed(string name) =>
        string.Equals(Name, name, StringComparison.OrdinalIgnoreCase) ||
        Aliases.Any(alias => string.Equals(alias, name, StringComparison.OrdinalIgnoreCase));
}

/// <summary>
/// The HUMAN and BOT turn of one question. Placeholders are the dataset columns (<c>{question}</c>, <c>{A}</c>, …,
/// <c>{answer}</c>), plus <c>{subject_local}</c> and <c>{label}</c> which are fixed per subset and option before rendering,
/// as OpenCompass bakes them into its per-subject config.
/// </summary>
/// <param name="Human">The question turn.</param>
/// <param name="Bot">The answer turn.</param>
public sealed record TurnTemplate(string Human, string Bot);

/// <summary>
/// OpenCompass's string templates (<c>prompt_type</c> "origin"), as e.g. <c>cmmlu_ppl_041cbf</c> writes them: each
/// in-context example is <paramref name="Ice"/> with its row's columns and <c>{label}</c> its gold label; the examples are
/// joined by a newline and followed by one (OpenCompass's <c>ice_separator</c> and <c>ice_eos_token</c>), and replace
/// <c>&lt;/E&gt;</c> in <paramref name="Prompt"/>, whose <c>{label}</c> is the scored label (ppl) and whose <c>{answer}</c>
/// is left empty (gen). The prompt is sent as one text (one user turn to a chat model).
/// </summary>
/// <param name="Ice">The template of one in-context example.</param>
/// <param name="Prompt">The template of the question, with <c>&lt;/E&gt;</c> where the examples go.</param>
public sealed record TextTemplate(string Ice, string Prompt)
{
    /// <summary>OpenCompass's <c>ice_token</c>.</summary>
    public const string IceToken = "</E>";
}
