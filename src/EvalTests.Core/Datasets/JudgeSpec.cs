using System.Text.Json.Serialization;

namespace EvalTests.Datasets;

/// <summary>What a judge model is asked to decide about each answer.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<JudgeKind>))]
public enum JudgeKind
{
    /// <summary>Correct, incorrect or invalid against the gold answer (OpenCompass's GenericLLMEvaluator).</summary>
    [JsonStringEnumMemberName("verifier")] Verifier,

    /// <summary>A score, against a reference answer where the prompt gives one (AlignBench's judges, MT-Bench single grading); see <see cref="RatingFormat"/>.</summary>
    [JsonStringEnumMemberName("rating")] Rating,

    /// <summary>Which of two models' answers is better, or a tie (MT-Bench / AlpacaEval style).</summary>
    [JsonStringEnumMemberName("pairwise")] Pairwise,
}

/// <summary>How a pairwise judge sees the two answers, to cancel its position bias.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<PairwiseOrder>))]
public enum PairwiseOrder
{
    /// <summary>The evaluated model's answer first on even-numbered questions, second on odd ones.</summary>
    [JsonStringEnumMemberName("alternate")] Alternate,

    /// <summary>Every question judged twice, once in each order; both judgements count.</summary>
    [JsonStringEnumMemberName("both")] Both,
}

/// <summary>One turn of a judge prompt template.</summary>
/// <param name="Role"><c>system</c> or <c>human</c>.</param>
/// <param name="Prompt">The text, with <c>{column}</c> placeholders, <c>{prediction}</c> (the answer judged), and for pairwise judges <c>{answer_a}</c>/<c>{answer_b}</c>.</param>
public sealed record JudgeTurn(string Role, string Prompt);

/// <summary>How a config's answers are judged by a model.</summary>
public sealed record JudgeSpec
{
    /// <summary>The kind of judgement.</summary>
    public required JudgeKind Kind { get; init; }

    /// <summary>The judge's prompt, as turns.</summary>
    public required IReadOnlyList<JudgeTurn> Template { get; init; }

    /// <summary>
    /// Verifier judges only: score with the config's postprocessor first and send only the answers it finds wrong to the
    /// judge (OpenCompass's CascadeEvaluator with <c>parallel=False</c>).
    /// </summary>
    public bool Cascade { get; init; }

    /// <summary>Keep only the text after <c>&lt;/think&gt;</c> of a reasoning model's answer before judging it (OpenCompass's <c>think_pred_postprocess</c>).</summary>
    public bool StripThinking { get; init; }

    /// <summary>Rating judges only: how the score is written in the reply.</summary>
    public RatingFormat RatingFormat { get; init; } = RatingFormat.AlignBench;

    /// <summary>Pairwise judges only: how the two answers are ordered.</summary>
    public PairwiseOrder Order { get; init; } = PairwiseOrder.Alternate;

    /// <summary>The most tokens the judge may write; null uses the run's judge setting.</summary>
    public int? MaxOutLen { get; init; }
}

/// <summary>How a rating judge writes its score, named after OpenCompass's <c>AlignmentBenchSummarizer</c> judge types and MT-Bench.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RatingFormat>))]
public enum RatingFormat
{
    /// <summary>A dict of per-dimension scores with <c>综合得分</c> (<c>post_process_alignbench</c>, judge type <c>general</c>).</summary>
    [JsonStringEnumMemberName("alignbench")] AlignBench,

    /// <summary>A single score in brackets, <c>[[8]]</c> or <c>评分: [[8]]</c> (<c>post_process_autoj</c>, judge type <c>autoj</c>).</summary>
    [JsonStringEnumMemberName("autoj")] AutoJ,

    /// <summary>MT-Bench's single-answer grading, <c>Rating: [[8]]</c> (<c>post_process_mtbench_single</c>).</summary>
    [JsonStringEnumMemberName("mtbench")] MtBench,
}
