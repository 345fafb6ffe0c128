using System.Reflection;
using System.Text.Json.Serialization;

namespace EvalTests;

/// <summary>The one spelling of an enum member outside .NET: the <see cref="JsonStringEnumMemberNameAttribute"/> it declares.</summary>
internal static class EnumNames
{
    public static string JsonName<T>(T value)
        where T : struct, Enum =>
        typeof(T).GetField(value.ToString())?.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()?.Name
        ?? throw new ArgumentOutOfRangeException(nameof(value), value, $"{typeof(T).Name}.{value} declares no JsonStringEnumMemberName.");
}
