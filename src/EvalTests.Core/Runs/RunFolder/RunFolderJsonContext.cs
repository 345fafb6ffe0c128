using System.Text.Json;
using System.Text.Json.Serialization;

namespace EvalTests.Runs.RunFolder;

/// <summary>The run folder's typed files, one serializer (snake_case, as OpenCompass writes them).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true, IndentSize = 4, AllowTrailingCommas = true)]
[JsonSerializable(typeof(RunConfigRecord))]
[JsonSerializable(typeof(ResultCountsRecord))]
[JsonSerializable(typeof(Dictionary<string, ResultDetailRecord>))]
[JsonSerializable(typeof(Dictionary<string, PredictionRecord>))]
[JsonSerializable(typeof(Dictionary<string, JudgeOutputRecord>))]
[JsonSerializable(typeof(VerifierJudgementRecord))]
[JsonSerializable(typeof(RatingJudgementRecord))]
[JsonSerializable(typeof(PairwiseJudgementRecord))]
[JsonSerializable(typeof(IReadOnlyDictionary<string, double>))]
internal sealed partial class RunFolderJsonContext : JsonSerializerContext
{
    /// <summary>One line, Chinese as it is: a value shown inside a report.</summary>
    public static RunFolderJsonContext Compact => LazyCompact.Value;

    private static readonly Lazy<RunFolderJsonContext> LazyCompact = new(() => new RunFolderJsonContext(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    }));

    /// <summary>The context with OpenCompass's <c>ensure_ascii=False</c>: Chinese text is written as it is.</summary>
    public static RunFolderJsonContext Readable => LazyReadable.Value;

    private static readonly Lazy<RunFolderJsonContext> LazyReadable = new(() => new RunFolderJsonContext(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        IndentSize = 4,
        AllowTrailingCommas = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    }));
}
