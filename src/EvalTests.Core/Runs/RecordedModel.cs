using EvalTests.Models;

namespace EvalTests.Runs;

/// <summary>
/// A model known only by what a run recorded in its <c>configs/</c>: eval mode scores that run's predictions with it,
/// without loading or calling anything.
/// </summary>
public sealed class RecordedModel : ILanguageModel
{
    private RecordedModel(ModelDescriptor descriptor) => Descriptor = descriptor;

    /// <inheritdoc/>
    public ModelDescriptor Descriptor { get; }

    /// <summary>The model of a run folder (the one named <paramref name="abbr"/>, or the first recorded).</summary>
    /// <exception cref="InvalidDataException">The run recorded no config, or no model of that name.</exception>
    public static RecordedModel FromRun(RunOutputLayout layout, string? abbr)
    {
        var folder = layout.ConfigsFolder;
        var configs = Directory.Exists(folder) ? Directory.GetFiles(folder, "*.json").Order(StringComparer.Ordinal).ToList() : [];
        var models = configs.SelectMany(config => RunFolder.ConfigFile.Read(config).Models).ToList();
        var model = models.LastOrDefault(m => abbr is null || m.Abbr == abbr)
            ?? throw new InvalidDataException(configs.Count == 0
                ? $"{folder}: the run recorded no config; is {layout.RunFolder} a run folder?"
                : $"{folder}: no model '{abbr}' was run here; recorded: {string.Join(", ", models.Select(m => m.Abbr).Distinct())}.");
        return new RecordedModel(new ModelDescriptor(model.Abbr, model.Identity ?? "recorded", model.MaxSeqLen, ModelCapabilities.None)
        {
            Limitations = "eval mode scores recorded predictions and asks no model",
        });
    }

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<GenerationResult>> GenerateAsync(IReadOnlyList<GenerationRequest> requests, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException($"Model '{Descriptor.Abbr}': {Descriptor.Limitations}.");

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<LogLikelihoodResult>> LogLikelihoodAsync(IReadOnlyList<LogLikelihoodRequest> requests, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException($"Model '{Descriptor.Abbr}': {Descriptor.Limitations}.");

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
