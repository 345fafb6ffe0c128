using System.Globalization;
using System.Text.RegularExpressions;

namespace EvalTests.Python;

/// <summary>
/// A Python slice <c>[start:stop:step]</c>, as OpenCompass's <c>test_range</c> applies it to the evaluated rows
/// (<c>dataset.select(eval(f'index_list{test_range}'))</c>): negative indices count from the end, out-of-range bounds
/// are clipped, a negative step walks backwards.
/// </summary>
/// <param name="Start">The first index, or null for the start (the end when stepping backwards).</param>
/// <param name="Stop">The index to stop before, or null for the end (the start when stepping backwards).</param>
/// <param name="Step">The step; never 0.</param>
public sealed partial record PythonSlice(int? Start, int? Stop, int Step)
{
    /// <summary>Reads <c>[start:stop]</c> or <c>[start:stop:step]</c>, any part empty.</summary>
    /// <exception cref="FormatException">The text is not a slice, or its step is 0.</exception>
    public static PythonSlice Parse(string text)
    {
        if (Pattern().Match(text) is not { Success: true } match)
        {
            throw new FormatException($"'{text}' is not a Python slice (expected [start:stop] or [start:stop:step], e.g. [0:100], [-50:], [::2]).");
        }

        var step = Bound(match.Groups["step"]) ?? 1;
        return step == 0
            ? throw new FormatException($"'{text}': a slice step cannot be zero.")
            : new PythonSlice(Bound(match.Groups["start"]), Bound(match.Groups["stop"]), step);
    }

    /// <summary>The indices of a sequence of <paramref name="length"/> items the slice selects, in order (Python's <c>slice.indices</c>).</summary>
    public IEnumerable<int> Indices(int length)
    {
        var (lower, upper) = Step > 0 ? (0, length) : (-1, length - 1);
        var start = Start is { } s ? Clip(s < 0 ? s + length : s, lower, upper) : Step > 0 ? lower : upper;
        var stop = Stop is { } e ? Clip(e < 0 ? e + length : e, lower, upper) : Step > 0 ? upper : lower;
        for (var i = start; Step > 0 ? i < stop : i > stop; i += Step)
        {
            yield return i;
        }
    }

    /// <summary>The items the slice selects.</summary>
    public IReadOnlyList<T> Apply<T>(IReadOnlyList<T> items) => [.. Indices(items.Count).Select(i => items[i])];

    /// <inheritdoc/>
    public override string ToString() =>
        $"[{Start}:{Stop}{(Step == 1 ? string.Empty : ":" + Step.ToString(CultureInfo.InvariantCulture))}]";

    private static int Clip(int value, int lower, int upper) => Math.Clamp(value, lower, upper);

    private static int? Bound(Group group) =>
        group.Success && group.Value.Trim().Length > 0 ? int.Parse(group.Value, NumberStyles.AllowLeadingSign | NumberStyles.AllowLeadingWhite | NumberStyles.AllowTrailingWhite, CultureInfo.InvariantCulture) : null;

    [GeneratedRegex(@"^\s*\[(?<start>\s*[+-]?\d*\s*):(?<stop>\s*[+-]?\d*\s*)(?::(?<step>\s*[+-]?\d*\s*))?\]\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
