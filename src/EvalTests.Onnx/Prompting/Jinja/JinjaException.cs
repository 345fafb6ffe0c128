namespace EvalTests.Onnx.Prompting.Jinja;

/// <summary>A chat template that cannot be parsed or rendered; the message names the template line at fault where known.</summary>
internal sealed class JinjaException : Exception
{
    /// <summary>A failure whose line is not known yet (the parser or interpreter adds it).</summary>
    public JinjaException(string message)
        : base(message) => Reason = message;

    private JinjaException(string reason, int line)
        : base($"line {line}: {reason}")
    {
        Reason = reason;
        Line = line;
    }

    /// <summary>The template line (1-based) of the tag at fault, when known.</summary>
    public int? Line { get; }

    private string Reason { get; }

    /// <summary>The same failure at a line; a failure that has one keeps it (the innermost tag is the one at fault).</summary>
    internal JinjaException At(int line) => Line is null ? new JinjaException(Reason, line) : this;
}
