using BenchmarkDotNet.Attributes;
using EvalTests.Models;
using EvalTests.Onnx;
using EvalTests.Prompts;

namespace EvalTests.Benchmarks;

/// <summary>Tokenizing and rendering a 5-shot C-Eval prompt: the CPU work around the model.</summary>
[MemoryDiagnoser]
public class PromptBenchmarks
{
    private OnnxLanguageModel _model = null!;
    private TemplatePrompter _prompter = null!;
    private IReadOnlyList<Datasets.DatasetSample> _samples = null!;
    private string _text = null!;

    [GlobalSetup]
    public void Setup()
    {
        _model = Workload.Load("stories260K");
        (_prompter, _samples) = Workload.Subject("ceval_gen");
        _text = _prompter.BuildGeneration(_samples[0]).Prompt.ToPlainText();
    }

    [GlobalCleanup]
    public void Cleanup() => _model.DisposeAsync().AsTask().Wait();

    [Benchmark(Description = "tokenize a 5-shot prompt")]
    public int Tokenize() => _model.Encode(_text).Count;

    [Benchmark(Description = "render + fit 19 gen prompts")]
    public int RenderSubject() => _samples.Sum(s => _prompter.BuildGeneration(s, _model, 512).Shots);
}

/// <summary>A generation step and ppl scoring of a C-Eval subject on the model, the time that dominates a run.</summary>
public class ModelBenchmarks
{
    private OnnxLanguageModel _model = null!;
    private List<GenerationRequest> _gen = null!;
    private List<LogLikelihoodRequest> _ppl = null!;

    [Params("stories260K")]
    public string Model { get; set; } = "stories260K";

    [Params(false, true)]
    public bool SharePrefixes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _model = Workload.Load(Model, SharePrefixes);
        _gen = Workload.GenRequests(_model, 16, 8);
        _ppl = Workload.PplRequests(_model, 19);
    }

    [GlobalCleanup]
    public void Cleanup() => _model.DisposeAsync().AsTask().Wait();

    [Benchmark(Description = "generate 8 tokens, batch of 16 prompts")]
    public async Task<int> Generate() => (await _model.GenerateAsync(_gen)).Sum(r => r.OutputTokens);

    /// <summary>computer_network's 19 questions × 4 options in batches of 16, as a run sends them; starts cold (no prefix kept).</summary>
    [Benchmark(Description = "ppl: C-Eval computer_network, 19 questions x 4 options")]
    public async Task<double> ScorePplSubject()
    {
        _model.Decoder.Prefixes.Clear();
        var sum = 0.0;
        foreach (var batch in _ppl.Chunk(16))
        {
            sum += (await _model.LogLikelihoodAsync(batch)).Sum(r => r.Ppl);
        }

        return sum;
    }
}
