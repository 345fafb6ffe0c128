using System.Diagnostics;
using System.Globalization;
using EvalTests.Datasets;
using EvalTests.Judging;
using EvalTests.Models;
using EvalTests.Prompts;
using EvalTests.Runs.RunFolder;
using EvalTests.Scoring;

namespace EvalTests.Runs;

/// <summary>A task with its questions loaded and prompts rendered, collecting model outputs as they come.</summary>
internal sealed class PreparedTask
{
    private readonly RenderedPrompt[]? _genPrompts;
    private readonly IReadOnlyList<LabelPrompt>[]? _labelPrompts;
    private readonly GenerationResult?[] _generations;
    private readonly LogLikelihoodResult?[][] _scores;
    private readonly int[] _remaining;
    private readonly GenerationSettings _generation;
    private readonly string _modelIdentity;
    private readonly ITokenCounter? _counter;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private int _completed;
    private int _reported;

    public PreparedTask(EvaluationTask task, IReadOnlyList<DatasetSample> samples, TemplatePrompter prompter, ITokenCounter? counter, int? maxSeqLen, GenerationSettings generation, string modelIdentity, bool judged)
    {
        Judging = judged && task.Config.Judge is { } judge ? new TaskJudging(judge) : null;
        _modelIdentity = modelIdentity;
        _counter = counter;
        Task = task;
        Samples = samples;
        Prompter = prompter;
        _generation = generation;
        _generations = new GenerationResult?[samples.Count];
        _scores = samples.Select(_ => new LogLikelihoodResult?[task.Config.Labels.Count]).ToArray();
        if (task.Config.Mode == EvalMode.Gen)
        {
            _genPrompts = samples.Select(s => prompter.BuildGeneration(s, counter, maxSeqLen)).ToArray();
            _remaining = samples.Select(_ => 1).ToArray();
        }
        else
        {
            _labelPrompts = samples.Select(s => prompter.BuildPerplexity(s, counter, maxSeqLen)).ToArray();
            _remaining = samples.Select(_ => task.Config.Labels.Count).ToArray();
        }
    }

    public EvaluationTask Task { get; }

    /// <summary>Whether requests are measured in tokens (for a token budget) rather than characters (for ordering).</summary>
    public bool TokenLengths { get; init; }

    /// <summary>A postprocessor replacing the config's (gen tasks).</summary>
    public PostprocessorSpec? PostprocessorOverride { get; init; }

    /// <summary>The postprocessor that extracts answers (null for ppl tasks and configs without one).</summary>
    public PostprocessorSpec? Postprocessor => _genPrompts is null ? null : PostprocessorOverride ?? Task.Config.Postprocessor;

    public IReadOnlyList<DatasetSample> Samples { get; }

    public TemplatePrompter Prompter { get; }

    /// <summary>The judge stage, for configs judged by a model (and runs that judge: not infer mode).</summary>
    public TaskJudging? Judging { get; }

    public bool IsComplete => _completed == Samples.Count && (Judging is null || Judging.IsComplete);

    /// <summary>Each question's generation prompt (gen tasks), else null.</summary>
    public IReadOnlyList<RenderedPrompt>? GenerationPrompts => _genPrompts;

    /// <summary>Each question's prompt per label (ppl tasks), else null.</summary>
    public IReadOnlyList<IReadOnlyList<LabelPrompt>>? LabelPrompts => _labelPrompts;

    /// <summary>Each question's generation, once answered (gen tasks).</summary>
    public IReadOnlyList<GenerationResult?> Generations => _generations;

    /// <summary>Each question's score per label, once answered (ppl tasks).</summary>
    public IReadOnlyList<LogLikelihoodResult?[]> Scores => _scores;

    /// <summary>How long since the task was prepared.</summary>
    public TimeSpan Elapsed => _clock.Elapsed;

    private int LengthOf(Prompt prompt) => TokenLengths && _counter is not null ? _counter.CountTokens(prompt) : prompt.ToPlainText().Length;

    /// <summary>The gold answer of a sample: its gold column, through the config's gold postprocessor.</summary>
    public string GoldOf(int sample)
    {
        var raw = Samples[sample][Task.Config.GoldColumn];
        return Task.Config.GoldPostprocessor is { } name ? AnswerPostprocessors.Get(name).Extract(raw) : raw;
    }

    public IEnumerable<PendingRequest> PendingRequests()
    {
        for (var i = 0; i < Samples.Count; i++)
        {
            if (_genPrompts is not null)
            {
                var request = new GenerationRequest(_genPrompts[i].Prompt, _generation);
                yield return new PendingGeneration(this, i, 0, LengthOf(request.Prompt) + (TokenLengths ? _generation.MaxOutputTokens : 0), request, RequestKey.For(_modelIdentity, request));
            }
            else
            {
                var labels = _labelPrompts![i];
                for (var l = 0; l < labels.Count; l++)
                {
                    var request = new LogLikelihoodRequest(labels[l].Prompt);
                    yield return new PendingScoring(this, i, l, LengthOf(request.Prompt), request, RequestKey.For(_modelIdentity, request));
                }
            }
        }
    }

    /// <summary>Renders the judge prompts once every answer is in; <paramref name="baseline"/> holds a pairwise judge's other answers.</summary>
    public void StartJudging(IReadOnlyList<string>? baseline)
    {
        var postprocessor = Postprocessor is { } name ? AnswerPostprocessors.Get(name) : null;
        var answers = _generations.Select((g, i) =>
            g is null || g.Error is not null ? null
            // A cascade judges only what the rule finds wrong.
            : Judging!.Spec.Cascade && postprocessor is not null && AnswerComparison.Matches(Task.Config.Comparison, postprocessor.Extract(g.Text, Samples[i]), GoldOf(i)) ? null
            : g.Text).ToList();
        Judging!.Start(Samples, answers, GoldOf, baseline);
    }

    public IEnumerable<PendingRequest> PendingJudgements(string judgeIdentity, GenerationSettings settings) =>
        Judging!.Items.Select(item =>
        {
            var request = new GenerationRequest(item.Prompt, settings);
            return new PendingGeneration(this, item.Sample, item.Slot, LengthOf(item.Prompt) + (TokenLengths ? settings.MaxOutputTokens : 0), request, RequestKey.For(judgeIdentity, request)) { IsJudgement = true };
        });

    public void Complete(PendingGeneration request, GenerationResult generation)
    {
        if (request.IsJudgement)
        {
            Judging!.Complete(request.Sample, request.Label, generation);
            return;
        }

        _generations[request.Sample] = generation;
        Answered(request.Sample);
    }

    public void Complete(PendingScoring request, LogLikelihoodResult score)
    {
        _scores[request.Sample][request.Label] = score;
        Answered(request.Sample);
    }

    private void Answered(int sample)
    {
        if (--_remaining[sample] == 0)
        {
            _completed++;
        }
    }

    public int TakeNewlyCompletedSamples()
    {
        var fresh = _completed - _reported;
        _reported = _completed;
        return fresh;
    }

    /// <summary>
    /// Takes the answers from a predictions file an earlier run wrote (eval mode): the generated text, or each
    /// option's PPL; a recorded error stays an error.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is missing, not JSON, or lacks a question.</exception>
    public void LoadPredictions(string path)
    {
        var records = PredictionsFile.Read(path, $"no predictions for {Task.Abbr}; run --mode infer (or all) on this run first.");

        for (var i = 0; i < Samples.Count; i++)
        {
            var entry = records.GetValueOrDefault(i.ToString(CultureInfo.InvariantCulture))
                ?? throw new InvalidDataException($"{path}: no prediction for question {i}; run --mode infer (or all) on this run to finish it.");
            if (_genPrompts is not null)
            {
                _generations[i] = new GenerationResult(entry.Prediction, 0, 0, entry.Error);
            }
            else
            {
                var labels = Task.Config.Labels;
                for (var l = 0; l < labels.Count; l++)
                {
                    var ppl = entry.Labels.FirstOrDefault(p => p.Label == labels[l])?.Ppl;
                    _scores[i][l] = entry.Error is not null || ppl is null
                        ? new LogLikelihoodResult([], 0, entry.Error ?? $"no PPL recorded for label {labels[l]}")
                        : LogLikelihoodResult.FromPpl(ppl.Value);
                }
            }

            _completed++;
        }
    }

    /// <summary>Every sample's outcome; <paramref name="judged"/> holds the judge's verdicts of a judged task (see <see cref="TaskJudging.Judgements"/>).</summary>
    public IReadOnlyList<SampleRecord> Score(IReadOnlyList<JudgedSample?>? judged)
    {
        var postprocessor = Postprocessor is { } name ? AnswerPostprocessors.Get(name) : null;
        return [.. Enumerable.Range(0, Samples.Count).Select(i =>
        {
            var gold = GoldOf(i);
            if (_genPrompts is null)
            {
                return TaskScorer.Chosen(Samples[i].Index, gold, [.. _scores[i].Select(s => s!)], Task.Config.Labels);
            }

            var output = _generations[i]!;
            // A verdict replaces the rule, except for an answer the model failed to give; a sample without one was
            // not judged: no judge in this config, or a cascade's rule found the answer right.
            return output.Error is null && judged?[i] is { } verdict
                ? new SampleRecord(Samples[i].Index, gold, verdict.Verdict, output.Text, verdict.Outcome, verdict.Error)
                : TaskScorer.Generated(Samples[i], gold, output, postprocessor, Task.Config.Comparison);
        })];
    }
}
