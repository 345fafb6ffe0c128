using System.Globalization;

namespace EvalTests.Runs;

/// <summary>A batch size as a user writes it (<c>--batch-size</c>, <c>EvalTestsBatchSize</c>): a positive number, or <c>auto</c>.</summary>
/// <param name="Size">Requests per model call (the starting point when auto).</param>
/// <param name="Auto">Whether the model measures the largest batch that fits and pays.</param>
public readonly record struct BatchSizeSetting(int Size, bool Auto)
{
    /// <summary>The batch size when none is given (OpenCompass's configs use 8–16 for local models).</summary>
    public const int DefaultSize = 16;

    /// <summary>Parses a setting; empty gives the default.</summary>
    /// <param name="text">A positive number, <c>auto</c>, or empty.</param>
    /// <param name="source">What the text came from, for the error (<c>--batch-size</c>, <c>The EvalTestsBatchSize property</c>).</param>
    /// <exception cref="ArgumentException">The text is neither.</exception>
    public static BatchSizeSetting Parse(string? text, string source) =>
        string.IsNullOrWhiteSpace(text) ? new(DefaultSize, false)
        : text.Equals("auto", StringComparison.OrdinalIgnoreCase) ? new(DefaultSize, true)
        : int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var size) && size >= 1 ? new(size, false)
        : throw new ArgumentException($"{source} is '{text}'; expected a positive number or auto.");
}
