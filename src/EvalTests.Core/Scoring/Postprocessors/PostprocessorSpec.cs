using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace EvalTests.Scoring;

/// <summary>
/// A postprocessor and its arguments, as OpenCompass's <c>pred_postprocessor=dict(type=first_option_postprocess,
/// options='ABCDE')</c> names them. Written <c>first_option:options=ABCDE</c> on the command line and in MSBuild, and in a
/// card either as that text or as <c>{"name": "first_option", "options": "ABCDE"}</c>.
/// </summary>
/// <param name="Name">The postprocessor's name (see <see cref="AnswerPostprocessors.Names"/>).</param>
/// <param name="Arguments">Its arguments by OpenCompass's keyword names (<c>options</c>, <c>cushion</c>, <c>answer_pattern</c>), in the order given.</param>
[JsonConverter(typeof(PostprocessorSpecJsonConverter))]
public sealed record PostprocessorSpec(string Name, IReadOnlyList<KeyValuePair<string, string>> Arguments)
{
    /// <summary>A postprocessor without arguments.</summary>
    public PostprocessorSpec(string name)
        : this(name, [])
    {
    }

    /// <summary>
    /// Reads <c>name</c> or <c>name:key=value[,key=value…]</c>. A comma starts another argument only where a known
    /// argument name and '=' follow it, so a regular expression may hold commas and colons.
    /// </summary>
    /// <exception cref="FormatException">The text is empty, or an argument has no '='.</exception>
    public static PostprocessorSpec Parse(string text)
    {
        var colon = text.IndexOf(':');
        var name = (colon < 0 ? text : text[..colon]).Trim();
        if (name.Length == 0)
        {
            throw new FormatException($"'{text}' names no postprocessor (expected NAME or NAME:key=value, e.g. first_option:options=ABCDE).");
        }

        var arguments = new List<KeyValuePair<string, string>>();
        var rest = colon < 0 ? string.Empty : text[(colon + 1)..];
        while (rest.Length > 0)
        {
            var equals = rest.IndexOf('=');
            if (equals <= 0)
            {
                throw new FormatException($"'{text}': the argument '{rest}' has no '=' (expected key=value, e.g. options=ABCDE).");
            }

            var key = rest[..equals].Trim();
            var next = NextArgument(rest, equals + 1);
            arguments.Add(new(key, rest[(equals + 1)..next]));
            rest = next < rest.Length ? rest[(next + 1)..] : string.Empty;
        }

        return new PostprocessorSpec(name, arguments);
    }

    /// <summary>An argument's value, or null when it is not given.</summary>
    public string? this[string key] => Arguments.FirstOrDefault(a => a.Key == key).Value;

    /// <summary>The spec as <see cref="Parse"/> reads it (just the name when there are no arguments).</summary>
    public override string ToString()
    {
        var text = new StringBuilder(Name);
        var separator = ':';
        foreach (var (key, value) in Arguments)
        {
            text.Append(separator).Append(key).Append('=').Append(value);
            separator = ',';
        }

        return text.ToString();
    }

    /// <inheritdoc/>
    public bool Equals(PostprocessorSpec? other) => other is not null && ToString() == other.ToString();

    /// <inheritdoc/>
    public override int GetHashCode() => ToString().GetHashCode(StringComparison.Ordinal);

    private static int NextArgument(string rest, int from)
    {
        for (var comma = rest.IndexOf(',', from); comma >= 0; comma = rest.IndexOf(',', comma + 1))
        {
            var at = comma + 1;
            if (AnswerPostprocessors.ArgumentNames.Any(n => string.CompareOrdinal(rest, at, n + "=", 0, n.Length + 1) == 0))
            {
                return comma;
            }
        }

        return rest.Length;
    }
}

/// <summary>Reads a card's postprocessor as a spec string or as an object of a name and arguments.</summary>
internal sealed class PostprocessorSpecJsonConverter : JsonConverter<PostprocessorSpec>
{
    public override PostprocessorSpec? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            return PostprocessorSpec.Parse(reader.GetString()!);
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("expected a postprocessor name (\"first_capital\") or an object {\"name\": \"first_option\", \"options\": \"ABCD\"}.");
        }

        string? name = null;
        var arguments = new List<KeyValuePair<string, string>>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var key = reader.GetString()!;
            reader.Read();
            var value = reader.TokenType switch
            {
                JsonTokenType.String => reader.GetString()!,
                JsonTokenType.True => "true",
                JsonTokenType.False => "false",
                _ => throw new JsonException($"the postprocessor argument '{key}' must be a string or a boolean."),
            };
            if (key == "name")
            {
                name = value;
            }
            else
            {
                arguments.Add(new(key, value));
            }
        }

        return name is null
            ? throw new JsonException("the postprocessor object has no \"name\".")
            : new PostprocessorSpec(name, arguments);
    }

    public override void Write(Utf8JsonWriter writer, PostprocessorSpec value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.ToString());
}
