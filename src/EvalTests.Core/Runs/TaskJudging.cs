using System.Globalization;
using EvalTests.Datasets;
using EvalTests.Judging;
using EvalTests.Models;
using EvalTests.Prompts;
using EvalTests.Reporting;
using EvalTests.Runs.RunFolder;
using EvalTests.Scoring;

namespace EvalTests.Runs;

/// <summary>One judgement to ask: the sample judged, its slot (pairwise judges in both orders have two), the prompt, and whether the evaluated model's answer was shown first.</summary>
internal sealed record JudgeItem(int Sample, int Slot, Prompt Prompt, bool ModelShownFirst);

/// <summary>What the judge made of one sample.</summary>
/// <param name="Outcome">Correct/wrong (verifier verdict, pairwise win/loss), scored (a rating, a pairwise tie), unparsed or errored.</param>
/// <param name="Verdict">The parsed verdict as text (<c>A</c>, <c>B</c>, a rating, win/loss/tie), empty when none.</param>
/// <param name="Error">The judge's error, when its call failed.</param>
/// <param name="Rating">The rating (rating judges).</param>
/// <param name="Points">The evaluated model's points, 0 to 1 (pairwise judges; the mean over both orders).</param>
internal sealed record JudgedSample(SampleOutcome Outcome, string Verdict, string? Error, Rating? Rating = null, double? Points = null);

/// <summary>
/// The judge stage of one task: renders the judge's prompt for every answer (OpenCompass's LMEvaluator /
/// GenericLLMEvaluator), collects the judge's replies, and parses them into verdicts, ratings or preferences.
/// </summary>
internal sealed class TaskJudging
{
    private readonly Dictionary<(int Sample, int Slot), GenerationResult> _replies = [];
    private readonly List<JudgeItem> _items = [];
    private bool _started;

    public TaskJudging(JudgeSpec spec) => Spec = spec;

    public JudgeSpec Spec { get; }

    public IReadOnlyList<JudgeItem> Items => _items;

    public bool IsComplete => _started && _replies.Count == _items.Count;

    /// <summary>
    /// Renders the judge prompts. <paramref name="answers"/>[i] is the model's text, or null when the sample is not judged
    /// (its answer errored, or a cascade's rule already found it right); <paramref name="baseline"/> holds the baseline
    /// model's answers for pairwise judges.
    /// </summary>
    public void Start(IReadOnlyList<DatasetSample> samples, IReadOnlyList<string?> answers, Func<int, string> gold, IReadOnlyList<string>? baseline)
    {
        for (var i = 0; i < samples.Count; i++)
        {
            if (answers[i] is not { } answer)
            {
                continue;
            }

            var judged = Judged(answer);
            var fields = new List<KeyValuePair<string, string>>(samples[i].Fields)
            {
                new("prediction", judged),
                new("obj_gold", gold(i)),
                new("reference", gold(i)),
            };
            if (Spec.Kind != JudgeKind.Pairwise)
            {
                _items.Add(new JudgeItem(i, 0, Render(fields), true));
                continue;
            }

            var other = Judged(baseline![i]);
            bool[] orders = Spec.Order == PairwiseOrder.Both ? [true, false] : [PairwiseVerdict.ModelShownFirst(i)];
            for (var slot = 0; slot < orders.Length; slot++)
            {
                var (a, b) = orders[slot] ? (judged, other) : (other, judged);
                _items.Add(new JudgeItem(i, slot, Render([.. fields, new("answer_a", a), new("answer_b", b)]), orders[slot]));
            }
        }

        _started = true;
    }

    public void Complete(int sample, int slot, GenerationResult reply) => _replies[(sample, slot)] = reply;

    /// <summary>The judge's verdict on each of <paramref name="sampleCount"/> samples, null where it was not asked; once judging is complete.</summary>
    public IReadOnlyList<JudgedSample?> Judgements(int sampleCount)
    {
        var bySample = _items.ToLookup(item => item.Sample);
        return Enumerable.Range(0, sampleCount).Select(i => bySample.Contains(i) ? Judge(bySample[i]) : null).ToList();
    }

    private JudgedSample Judge(IEnumerable<JudgeItem> items)
    {
        var replies = items.Select(item => (item, Reply: _replies[(item.Sample, item.Slot)])).ToList();
        if (replies.FirstOrDefault(r => r.Reply.Error is not null) is { Reply: { } failed })
        {
            return new JudgedSample(SampleOutcome.Errored, string.Empty, $"judge: {failed.Error}");
        }

        switch (Spec.Kind)
        {
            case JudgeKind.Verifier:
                return VerifierVerdict.Parse(replies[0].Reply.Text) switch
                {
                    Verdict.Correct => new JudgedSample(SampleOutcome.Correct, "A", null),
                    Verdict.Incorrect => new JudgedSample(SampleOutcome.Wrong, "B", null),
                    _ => new JudgedSample(SampleOutcome.Unparsed, string.Empty, null),
                };
            case JudgeKind.Rating:
                return RatingReader.Parse(Spec.RatingFormat, replies[0].Reply.Text) is { } rating
                    ? new JudgedSample(SampleOutcome.Scored, rating.Score.ToString(CultureInfo.InvariantCulture), null, rating)
                    : new JudgedSample(SampleOutcome.Unparsed, string.Empty, null);
            default:
                var points = replies.Select(r => new PairwiseJudgement(r.item.ModelShownFirst, PairwiseVerdict.Parse(r.Reply.Text)).ModelPoints).OfType<double>().ToList();
                if (points.Count == 0)
                {
                    return new JudgedSample(SampleOutcome.Unparsed, string.Empty, null);
                }

                var mean = points.Average();
                return mean switch
                {
                    1 => new JudgedSample(SampleOutcome.Correct, "win", null, Points: mean),
                    0 => new JudgedSample(SampleOutcome.Wrong, "loss", null, Points: mean),
                    _ => new JudgedSample(SampleOutcome.Scored, "tie", null, Points: mean),
                };
        }
    }

    /// <summary>
    /// The dataset's judged metric and its standard error: a pairwise win rate (ties half, unparsed left out), or a mean
    /// rating (the 总分 of <paramref name="alignBench"/>'s tables for AlignBench, the plain mean otherwise); none for
    /// verifiers, whose metric is accuracy.
    /// </summary>
    public (double? Value, double? StandardError) Metric(IReadOnlyList<JudgedSample?> judged, AlignBenchSummary? alignBench)
    {
        switch (Spec.Kind)
        {
            case JudgeKind.Pairwise:
                var points = judged.Select(j => j?.Points).OfType<double>().ToList();
                return points.Count == 0 ? (double.NaN, null) : (100 * points.Average(), 100 * StandardErrorOfMean(points));
            case JudgeKind.Rating:
                if (alignBench is not null)
                {
                    return (alignBench.Capabilities["总分"], null);
                }

                var scores = judged.Select(j => j?.Rating?.Score).OfType<double>().ToList();
                return scores.Count == 0 ? (double.NaN, null) : (scores.Average(), StandardErrorOfMean(scores));
            default:
                return (null, null);
        }
    }

    /// <summary>AlignBench's capability and dimension tables over the rated samples.</summary>
    public static AlignBenchSummary SummarizeAlignBench(IReadOnlyList<DatasetSample> samples, IReadOnlyList<JudgedSample?> judged) =>
        AlignBenchSummary.From(samples.Select((s, i) => (s["capability"], judged[i]?.Rating)));

    /// <summary>Every judgement as OpenCompass saves a judge's predictions: the prompt, the raw reply, the gold, and our parsed verdict.</summary>
    public Dictionary<string, JudgeOutputRecord> OutputRecords(Func<int, string> gold, IReadOnlyList<JudgedSample?> judged)
    {
        var records = new Dictionary<string, JudgeOutputRecord>(StringComparer.Ordinal);
        foreach (var item in _items)
        {
            var reply = _replies[(item.Sample, item.Slot)];
            var key = item.Slot == 0 ? item.Sample.ToString(CultureInfo.InvariantCulture) : $"{item.Sample}_{item.Slot}";
            records[key] = new JudgeOutputRecord(item.Prompt.ToPlainText(), reply.Text, gold(item.Sample), Parsed(item, reply, judged[item.Sample]?.Outcome), reply.Error);
        }

        return records;
    }

    private JudgementRecord Parsed(JudgeItem item, GenerationResult reply, SampleOutcome? outcome)
    {
        var written = outcome?.ToString().ToLowerInvariant();
        switch (Spec.Kind)
        {
            case JudgeKind.Verifier:
                return new VerifierJudgementRecord(item.Sample, VerifierVerdict.Parse(reply.Text).ToString(), written);
            case JudgeKind.Rating:
                var rating = RatingReader.Parse(Spec.RatingFormat, reply.Text);
                return new RatingJudgementRecord(item.Sample, rating?.Score, rating?.Dimensions, written);
            default:
                var preference = PairwiseVerdict.Parse(reply.Text);
                return new PairwiseJudgementRecord(item.Sample, item.ModelShownFirst, preference.ToString(), new PairwiseJudgement(item.ModelShownFirst, preference).ModelPoints, written);
        }
    }

    private Prompt Render(IReadOnlyList<KeyValuePair<string, string>> fields) =>
        Prompt.FromChat(Spec.Template.Select(t => new PromptTurn(t.Role == "system" ? TurnRole.System : TurnRole.Human, TemplatePrompter.Format(t.Prompt, fields, null))));

    /// <summary>The answer as the judge sees it: after <c>&lt;/think&gt;</c> when the config strips a reasoning model's thinking.</summary>
    private string Judged(string answer)
    {
        if (!Spec.StripThinking)
        {
            return answer;
        }

        var end = answer.IndexOf("</think>", StringComparison.Ordinal);
        return end < 0 ? answer : answer[(end + "</think>".Length)..].Trim();
    }

    private static double StandardErrorOfMean(List<double> values)
    {
        if (values.Count < 2)
        {
            return 0;
        }

        var mean = values.Average();
        return Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1) / values.Count);
    }
}
