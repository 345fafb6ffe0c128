namespace EvalTests.Xunit.ObjectModel;

/// <summary>What an evaluation test case checks.</summary>
public enum EvalCaseKind
{
    /// <summary>One subset's accuracy (and its threshold, when one applies).</summary>
    Subset,

    /// <summary>A group's naive average (and its threshold, when one applies).</summary>
    Group,

    /// <summary>The scores of one model on one config against the checked-in snapshot.</summary>
    Snapshot,

    /// <summary>The evaluation plan names something that does not exist; the case fails with the reason.</summary>
    PlanError,
}

/// <summary>The identity of one evaluation test case; serialized into the test case and read back at execution.</summary>
/// <param name="Kind">Subset, group or snapshot.</param>
/// <param name="Model">The <c>EvalModel</c> item name.</param>
/// <param name="Config">The config's full name (e.g. <c>ceval_gen_5f30c7</c>).</param>
/// <param name="Abbr">The run's abbreviation of the subset or group (e.g. <c>ceval_gen-law</c> when two ceval configs run).</param>
/// <param name="Name">The benchmark-level name users filter on (e.g. <c>ceval-law</c>, <c>ceval-stem</c>, <c>ceval</c>).</param>
/// <param name="ConfigShortName">The config's short name (e.g. <c>ceval_gen</c>), the test method name.</param>
public sealed record EvalCase(EvalCaseKind Kind, string Model, string Config, string Abbr, string Name, string ConfigShortName)
{
    /// <summary>The test class name runners see: benchmark-level name, then model.</summary>
    public string ClassName => $"{Name}.{Model}";

    /// <summary>The test method name runners see.</summary>
    public string MethodName => Kind switch
    {
        EvalCaseKind.Snapshot => $"{ConfigShortName}_snapshot",
        EvalCaseKind.PlanError => "plan",
        _ => ConfigShortName,
    };

    /// <summary>One line, for the test method argument.</summary>
    public string Serialize() => string.Join('\u001F', Kind, Model, Config, Abbr, Name, ConfigShortName);

    /// <summary>Reads <see cref="Serialize"/>'s output.</summary>
    public static EvalCase Deserialize(string text)
    {
        var parts = text.Split('\u001F');
        return new EvalCase(Enum.Parse<EvalCaseKind>(parts[0]), parts[1], parts[2], parts[3], parts[4], parts[5]);
    }
}
