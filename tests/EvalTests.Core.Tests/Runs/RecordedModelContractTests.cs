using System.Text.Json.Nodes;
using EvalTests.Models;
using EvalTests.Runs;
using EvalTests.TestSupport;

namespace EvalTests.Core.Tests.Runs;

/// <summary>The model eval mode knows only from a run's configs keeps the <see cref="LanguageModelContract"/>: it offers nothing, so it refuses every request.</summary>
public sealed class RecordedModelContractTests : LanguageModelContract, IDisposable
{
    private readonly TempDirectory _run = new();

    public void Dispose() => _run.Dispose();

    protected override ValueTask<ILanguageModel> CreateAsync()
    {
        var layout = new RunOutputLayout(_run.Path, "20261130_120000");
        Directory.CreateDirectory(Path.Combine(layout.RunFolder, "configs"));
        File.WriteAllText(layout.ConfigFile(1), new JsonObject
        {
            ["models"] = new JsonArray(new JsonObject { ["abbr"] = "recorded", ["identity"] = "onnx:sha256:0123456789abcdef", ["max_seq_len"] = 512 }),
        }.ToJsonString());
        return ValueTask.FromResult<ILanguageModel>(RecordedModel.FromRun(layout, abbr: null));
    }
}
