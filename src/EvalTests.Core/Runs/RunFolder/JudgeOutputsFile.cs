using System.Text.Json;

namespace EvalTests.Runs.RunFolder;

/// <summary>A judge's outputs for one dataset (<see cref="JudgeOutputRecord"/> per judgement), written and read back here.</summary>
internal static class JudgeOutputsFile
{
    /// <summary>The file's text (OpenCompass's layout).</summary>
    public static string Serialize(Dictionary<string, JudgeOutputRecord> records) =>
        JsonSerializer.Serialize(records, RunFolderJsonContext.Readable.DictionaryStringJudgeOutputRecord);

    /// <summary>The judgements of a file a run wrote, keyed as written (<c>"3"</c>, a second order <c>"3_1"</c>).</summary>
    /// <exception cref="InvalidDataException">Not valid JSON, or not a judge's outputs; the message names the file, line and field.</exception>
    public static IReadOnlyDictionary<string, JudgeOutputRecord> Read(string path) =>
        OutputJson.Read(path, RunFolderJsonContext.Readable.DictionaryStringJudgeOutputRecord, "a judge's outputs keyed by question index");
}
