using EvalTests.Python;

namespace EvalTests.Judging;

/// <summary>
/// A model's AlignBench result as OpenCompass's <c>AlignmentBenchSummarizer</c> (judge type <c>general</c>) reports it:
/// the mean overall score per category, each family's total (the mean of its categories' rounded means), the grand total (the
/// mean of the two families), and the mean of every dimension; all rounded to 2 decimals. Unparsed judgements are
/// counted and left out of every mean.
/// </summary>
/// <param name="Capabilities">Category (and <c>中文推理总分</c>, <c>中文语言总分</c>, <c>总分</c>) → mean overall score.</param>
/// <param name="Dimensions">Dimension (<c>综合得分</c> included) → mean score.</param>
/// <param name="Rated">Judgements with a valid rating.</param>
/// <param name="Unparsed">Judgements without one.</param>
public sealed record AlignBenchSummary(IReadOnlyDictionary<string, double> Capabilities, IReadOnlyDictionary<string, double> Dimensions, int Rated, int Unparsed)
{
    /// <summary>The two families of categories and their members, in OpenCompass's order.</summary>
    public static IReadOnlyList<(string Family, IReadOnlyList<string> Categories)> Families { get; } =
    [
        ("中文推理", ["数学计算", "逻辑推理"]),
        ("中文语言", ["基本任务", "中文理解", "综合问答", "文本写作", "角色扮演", "专业能力"]),
    ];

    /// <summary>Averages the ratings of one model's answers, each with its question's category.</summary>
    public static AlignBenchSummary From(IEnumerable<(string Category, Rating? Rating)> judged)
    {
        var list = judged.ToList();
        var rated = list.Where(j => j.Rating is not null).Select(j => (j.Category, Rating: j.Rating!)).ToList();

        // As OpenCompass: category means are rounded before they are averaged, and a family's category without a
        // rated answer counts as 0 (a defaultdict(float) there), so a partial run shows in the totals.
        var capabilities = rated.GroupBy(r => r.Category, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => Round(g.Average(r => r.Rating.Score)), StringComparer.Ordinal);
        var familyTotals = new List<double>();
        foreach (var (family, categories) in Families)
        {
            foreach (var category in categories)
            {
                capabilities.TryAdd(category, 0);
            }

            var total = Round(categories.Average(c => capabilities[c]));
            capabilities[family + "总分"] = total;
            familyTotals.Add(total);
        }

        capabilities["总分"] = Round(familyTotals.Average());

        var dimensions = rated.SelectMany(r => r.Rating.Dimensions)
            .GroupBy(d => d.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => Round(g.Average(d => d.Value)), StringComparer.Ordinal);
        return new AlignBenchSummary(capabilities, dimensions, rated.Count, list.Count - rated.Count);
    }

    private static double Round(double value) => PythonMath.Round(value, 2);
}
