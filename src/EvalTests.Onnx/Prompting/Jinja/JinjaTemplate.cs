using System.Text;

namespace EvalTests.Onnx.Prompting.Jinja;

/// <summary>
/// The subset of Jinja that Hugging Face chat templates use: output and statement tags with whitespace control,
/// <c>if/elif/else</c>, <c>for … in … [if …]</c> with <c>loop</c>, <c>set</c> and <c>namespace()</c>, Python-style
/// expressions, the common filters, tests and string methods, and <c>raise_exception</c>. Rendering follows
/// <c>trim_blocks</c> and <c>lstrip_blocks</c>, as <c>apply_chat_template</c> does.
/// </summary>
/// <remarks>Written here because no Jinja engine is served on the package feed; the supported set is what real chat
/// templates (Llama, Mistral, ChatML/Qwen, Zephyr, Phi) need, and anything else is a clear <see cref="JinjaException"/>.</remarks>
internal sealed class JinjaTemplate
{
    private readonly List<Node> _body;

    /// <summary>Parses a template.</summary>
    /// <exception cref="JinjaException">The template uses syntax outside the supported subset.</exception>
    public JinjaTemplate(string source)
    {
        _body = JinjaParser.Parse(source);
    }

    /// <summary>Renders with the given variables (strings, numbers, booleans, lists, and string-keyed dictionaries).</summary>
    public string Render(IReadOnlyDictionary<string, object?> variables)
    {
        var scope = new Scope(null);
        JinjaGlobals.AddTo(scope);
        foreach (var (key, value) in variables)
        {
            scope.Set(key, JinjaValues.Normalize(value));
        }

        var output = new StringBuilder();
        JinjaInterpreter.Execute(_body, scope, output);
        return output.ToString();
    }
}
