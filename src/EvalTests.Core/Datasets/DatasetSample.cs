namespace EvalTests.Datasets;

/// <summary>One multiple-choice question as the data file has it.</summary>
/// <param name="Index">The 0-based row index within its file (OpenCompass's prediction key).</param>
/// <param name="Line">The 1-based line the row starts on, for error messages.</param>
/// <param name="Fields">Every column by name, in file order, as the prompt template sees them.</param>
public sealed record DatasetSample(int Index, int Line, IReadOnlyList<KeyValuePair<string, string>> Fields)
{
    /// <summary>The value of a column, or an empty string when the row has no such column.</summary>
    public string this[string column] =>
        Fields.FirstOrDefault(f => string.Equals(f.Key, column, StringComparison.Ordinal)).Value ?? string.Empty;

    /// <summary>The question text.</summary>
    public string Question => this["question"];

    /// <summary>The gold option letter.</summary>
    public string Answer => this["answer"];
}
