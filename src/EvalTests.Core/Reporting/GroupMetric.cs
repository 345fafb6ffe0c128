using System.Text.Json.Serialization;

namespace EvalTests.Reporting;

/// <summary>How a summary group combines its members' scores, as OpenCompass's summarizer names them.</summary>
public enum GroupMetric
{
    /// <summary>The mean of the members' scores (OpenCompass's default).</summary>
    [JsonStringEnumMemberName("naive_average")]
    NaiveAverage,

    /// <summary>Σ score·weight over Σ weight (a group with <c>weights</c>).</summary>
    [JsonStringEnumMemberName("weighted_average")]
    WeightedAverage,

    /// <summary>The sum of the scores (weighted, when the group has weights).</summary>
    [JsonStringEnumMemberName("sum")]
    Sum,

    /// <summary>n over Σ 1/score (each score at least 1 once any is not positive).</summary>
    [JsonStringEnumMemberName("harmonic_mean")]
    HarmonicMean,

    /// <summary>The population standard deviation of the scores.</summary>
    [JsonStringEnumMemberName("standard_deviation")]
    StandardDeviation,
}

/// <summary>The OpenCompass spelling of a <see cref="GroupMetric"/>.</summary>
public static class GroupMetricNames
{
    /// <summary>The metric column's text (<c>naive_average</c>, …).</summary>
    public static string OpenCompassName(this GroupMetric metric) => EnumNames.JsonName(metric);
}
