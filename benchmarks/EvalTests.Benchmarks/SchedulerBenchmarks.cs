using BenchmarkDotNet.Attributes;
using EvalTests.Datasets;
using EvalTests.Models;
using EvalTests.Runs;

namespace EvalTests.Benchmarks;

/// <summary>
/// The harness without a model: a whole C-Eval ppl run (52 subjects, 1,346 questions, 5,384 requests: load, render,
/// de-duplicate, sort, batch, checkpoint, score, write) against a model that answers at once.
/// </summary>
[MemoryDiagnoser]
public class SchedulerBenchmarks
{
    [Benchmark(Description = "run C-Eval ppl, 52 subjects, instant model")]
    public async Task<int> RunCEvalPpl()
    {
        var work = Directory.CreateTempSubdirectory("evaltests-bench-");
        try
        {
            var plan = RunPlan.Create(DatasetCatalog.Default, ["ceval_ppl"]);
            var runner = new EvaluationRunner(new InstantModel(), new RunSettings { WorkDir = work.FullName });
            var result = await runner.RunAsync(plan, card => Path.Combine(Workload.SharedRoot, "datasets", card.Name));
            return result.SentRequests;
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    /// <summary>Answers every request at once with the same numbers.</summary>
    private sealed class InstantModel : ILanguageModel
    {
        public ModelDescriptor Descriptor { get; } = new("instant", "instant:v1", 4096, ModelCapabilities.Generate | ModelCapabilities.LogLikelihood);

        public ValueTask<IReadOnlyList<GenerationResult>> GenerateAsync(IReadOnlyList<GenerationRequest> requests, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult<IReadOnlyList<GenerationResult>>(requests.Select(_ => new GenerationResult("A", 0, 1)).ToList());

        public ValueTask<IReadOnlyList<LogLikelihoodResult>> LogLikelihoodAsync(IReadOnlyList<LogLikelihoodRequest> requests, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult<IReadOnlyList<LogLikelihoodResult>>(requests.Select(_ => new LogLikelihoodResult([-1.0], 1)).ToList());

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
