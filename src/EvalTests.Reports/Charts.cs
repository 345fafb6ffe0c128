using System.Text.RegularExpressions;
using ScottPlot;

namespace EvalTests.Reports;

/// <summary>The report's charts, drawn by ScottPlot as SVG to inline in the page (no script, no network at view time).</summary>
internal static partial class Charts
{
    private static readonly Color[] Palette = [Colors.SteelBlue, Colors.DarkOrange, Colors.SeaGreen, Colors.Crimson, Colors.MediumPurple, Colors.SaddleBrown];

    /// <summary>One bar per (category, model), grouped by category.</summary>
    public static string ScoresPerCategory(IReadOnlyList<string> categories, IReadOnlyList<string> models, Func<int, int, double?> score)
    {
        var plot = new Plot();
        var width = 0.8 / models.Count;
        for (var m = 0; m < models.Count; m++)
        {
            var bars = new List<Bar>();
            for (var c = 0; c < categories.Count; c++)
            {
                if (score(c, m) is { } value)
                {
                    bars.Add(new Bar { Position = c - 0.4 + width * (m + 0.5), Value = value, Size = width, FillColor = Palette[m % Palette.Length] });
                }
            }

            var series = plot.Add.Bars(bars);
            series.LegendText = models[m];
        }

        NameTicks(plot, categories);
        plot.Axes.Left.Label.Text = "score";
        plot.Axes.SetLimitsY(0, 100);
        plot.ShowLegend(Alignment.UpperRight);
        return Svg(plot, Math.Max(480, (categories.Count * Math.Max(110, 45 * models.Count)) + 160), Height(categories));
    }

    /// <summary>The candidate-minus-baseline change per row, with its interval as a whisker.</summary>
    public static string Changes(IReadOnlyList<string> rows, IReadOnlyList<(double Delta, double Low, double High)> changes)
    {
        var plot = new Plot();
        var bars = new List<Bar>();
        for (var i = 0; i < rows.Count; i++)
        {
            var (delta, low, high) = changes[i];
            if (double.IsNaN(delta))
            {
                continue;
            }

            bars.Add(new Bar { Position = i, Value = delta, FillColor = delta < 0 ? Colors.Crimson : Colors.SeaGreen, Size = 0.6 });
            if (!double.IsNaN(low))
            {
                var whisker = plot.Add.Line(i, low, i, high);
                whisker.Color = Colors.Black;
                whisker.LineWidth = 1.5f;
            }
        }

        plot.Add.Bars(bars);
        plot.Add.HorizontalLine(0, 1, Colors.Gray);
        NameTicks(plot, rows);
        plot.Axes.Left.Label.Text = "Δ points (candidate − baseline)";
        return Svg(plot, Math.Max(480, (110 * rows.Count) + 160), Height(rows));
    }

    /// <summary>One tick per bar position, named; more than six names are slanted so they do not overlap.</summary>
    private static void NameTicks(Plot plot, IReadOnlyList<string> names)
    {
        plot.Axes.Bottom.SetTicks([.. Enumerable.Range(0, names.Count).Select(i => (double)i)], [.. names]);
        plot.Axes.Bottom.TickLabelStyle.Rotation = names.Count > 6 ? 45 : 0;
        plot.Axes.Bottom.TickLabelStyle.Alignment = names.Count > 6 ? Alignment.MiddleLeft : Alignment.UpperCenter;
    }

    /// <summary>Taller where the slanted names need the room.</summary>
    private static int Height(IReadOnlyList<string> names) => names.Count > 6 ? 420 : 320;

    private static string Svg(Plot plot, int width, int height)
    {
        var svg = plot.GetSvgXml(width, height);
        // SkiaSharp's SVG writer leaves a trailing ", " in per-glyph coordinate lists, which browsers reject as invalid.
        svg = TrailingListSeparator().Replace(svg, "$1=\"$2\"");
        // The XML declaration does not belong inside an HTML page.
        return svg[(svg.IndexOf("<svg", StringComparison.Ordinal))..];
    }

    [GeneratedRegex(@"\b(x|y)=""([^""]*?),\s*""")]
    private static partial Regex TrailingListSeparator();
}
