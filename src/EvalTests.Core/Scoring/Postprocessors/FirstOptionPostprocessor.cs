using System.Text.RegularExpressions;
using EvalTests.Python;

namespace EvalTests.Scoring;

/// <summary>
/// OpenCompass's <c>first_option_postprocess</c>: tries its patterns in order on the stripped text and returns the first
/// option letter (in option order) found in the first match's group 1 (or the whole match when group 1 is empty).
/// Patterns are Python's, compiled by <see cref="PythonRegex"/>. The compatible variant keeps OpenCompass's missing comma,
/// which fuses two patterns into <c>故选?\s*([ABCD])只有选?项?\s?([ABCD])\s?是?对</c>; the corrected variant
/// (<c>first_option_corrected</c>) splits them as intended.
/// </summary>
public sealed class FirstOptionPostprocessor : IAnswerPostprocessor
{
    private readonly string _options;
    private readonly Regex[] _patterns;

    /// <summary>Creates the postprocessor for the given option letters; <paramref name="cushion"/> adds upstream's two last-resort patterns.</summary>
    public FirstOptionPostprocessor(string options, bool corrected, bool cushion = true)
    {
        _options = options;
        Name = corrected ? "first_option_corrected" : "first_option";
        _patterns = Patterns(options, corrected)
            .Concat(cushion ? [$"([{options}]):", $"([{options}])"] : [])
            .Select(p => PythonRegex.Compile(p, dotAll: true))
            .ToArray();
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <inheritdoc/>
    public string Extract(string text)
    {
        text = PythonText.Strip(text);
        foreach (var pattern in _patterns)
        {
            var match = pattern.Match(text);
            if (!match.Success)
            {
                continue;
            }

            var found = match.Groups.Count > 1 && match.Groups[1].Success && match.Groups[1].Value.Length > 0
                ? match.Groups[1].Value
                : match.Value;
            foreach (var option in _options)
            {
                if (found.Contains(option, StringComparison.Ordinal))
                {
                    return option.ToString();
                }
            }
        }

        return string.Empty;
    }

    private static IEnumerable<string> Patterns(string o, bool corrected)
    {
        string[] head =
        [
            $@"答案是?\s*([{o}])",
            $@"答案是?\s*：\s*([{o}])",
            $@"答案是?\s*:\s*([{o}])",
            $@"答案选项应?该?是\s*([{o}])",
            $@"答案选项应?该?为\s*([{o}])",
            $@"答案应该?是\s*([{o}])",
            $@"答案应该?选\s*([{o}])",
            $@"答案选项为?\s*：\s*([{o}])",
            $@"答案选项为?\s+\(?\*?\*?([{o}])\*?\*?\)?",
            $@"答案选项是?\s*:\s*([{o}])",
            $@"答案为\s*([{o}])",
            $@"答案选\s*([{o}])",
            $@"选择?\s*([{o}])",
        ];
        string[] fused = corrected
            ? [$@"故选?\s*([{o}])", $@"只有选?项?\s?([{o}])\s?是?对"]
            : [$@"故选?\s*([{o}])只有选?项?\s?([{o}])\s?是?对"];
        string[] tail =
        [
            $@"只有选?项?\s?([{o}])\s?是?错",
            $@"只有选?项?\s?([{o}])\s?不?正确",
            $@"只有选?项?\s?([{o}])\s?错误",
            $@"说法不?对选?项?的?是\s?([{o}])",
            $@"说法不?正确选?项?的?是\s?([{o}])",
            $@"说法错误选?项?的?是\s?([{o}])",
            $@"([{o}])\s?是正确的",
            $@"([{o}])\s?是正确答案",
            $@"选项\s?([{o}])\s?正确",
            $@"所以答\s?([{o}])",
            $@"所以\s?([{o}][.。$]?$)",
            $@"所有\s?([{o}][.。$]?$)",
            $@"[\s，：:,]([{o}])[。，,\.]?$",
            $@"[\s，,：:][故即]([{o}])[。\.]?$",
            $@"[\s，,：:]因此([{o}])[。\.]?$",
            $@"[是为。]\s?([{o}])[。\.]?$",
            $@"因此\s?([{o}])[。\.]?$",
            $@"显然\s?([{o}])[。\.]?$",
            @"答案是\s?(\S+)(?:。|$)",
            @"答案应该是\s?(\S+)(?:。|$)",
            @"答案为\s?(\S+)(?:。|$)",
            $@"(?i)ANSWER\s*:\s*([{o}])",
            $@"[Tt]he answer is:?\s+\(?([{o}])\)?",
            $@"[Tt]he answer is:?\s+\(?\*?\*?([{o}])\*?\*?\)?",
            $@"[Tt]he answer is option:?\s+\(?([{o}])\)?",
            $@"[Tt]he correct answer is:?\s+\(?([{o}])\)?",
            $@"[Tt]he correct answer is option:?\s+\(?([{o}])\)?",
            $@"[Tt]he correct answer is:?.*?boxed\{{([{o}])\}}",
            $@"[Tt]he correct option is:?.*?boxed\{{([{o}])\}}",
            $@"[Tt]he correct answer option is:?.*?boxed\{{([{o}])\}}",
            $@"[Tt]he answer to the question is:?\s+\(?([{o}])\)?",
            $@"^选项\s?([{o}])",
            $@"^([{o}])\s?选?项",
            $@"(\s|^)[{o}][\s。，,：:\.$]",
            @"1.\s?(.*?)$",
            $@"1.\s?([{o}])[.。$]?$",
        ];
        return head.Concat(fused).Concat(tail);
    }
}
