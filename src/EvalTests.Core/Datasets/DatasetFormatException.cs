namespace EvalTests.Datasets;

/// <summary>A data file is not what its card says: the message reads <c>file:line: what is wrong</c>.</summary>
public sealed class DatasetFormatException : Exception
{
    /// <summary>Creates the error for a line of a file.</summary>
    public DatasetFormatException(string file, int line, string problem)
        : base($"{file}:{line}: {problem}")
    {
        File = file;
        LineNumber = line;
        Problem = problem;
    }

    /// <summary>The file at fault.</summary>
    public string File { get; }

    /// <summary>The 1-based line at fault (0 when the whole file is at fault).</summary>
    public int LineNumber { get; }

    /// <summary>What is wrong and what was expected.</summary>
    public string Problem { get; }
}
