using System.Text.Json;
using System.Text.Json.Serialization;

namespace EvalTests.Datasets;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, ReadCommentHandling = JsonCommentHandling.Skip,
    AllowTrailingCommas = true, UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip)]
[JsonSerializable(typeof(DatasetCard))]
internal sealed partial class CardJsonContext : JsonSerializerContext;
