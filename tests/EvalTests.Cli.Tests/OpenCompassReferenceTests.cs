using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using EvalTests.TestSupport;

namespace EvalTests.Cli.Tests;

/// <summary>
/// Whole runs against a reference computation that shares no code with EvalTests (<c>tools/reference/model-reference.mjs</c>:
/// prompts built from the C-Eval CSVs as OpenCompass's configs write them, ids from Hugging Face tokenizers, logits from
/// ONNX Runtime's npm binding, PPL by OpenCompass's <c>get_ppl</c>, chat templates by <c>@huggingface/jinja</c>, greedy
/// decoding without a KV cache): every ppl label's PPL, every chosen letter and every generated answer of a run equal it,
/// for a base model (<c>--hf-type base</c>) and a chat model (<c>--hf-type chat</c>: generation through the chat template,
/// output with special tokens cut at the eos words; ppl on the plain-text prompt, as OpenCompass scores both).
/// </summary>
public sealed class OpenCompassReferenceTests : IDisposable
{
    private static readonly string References = Path.Combine(AppContext.BaseDirectory, "Reference");

    private readonly TempDirectory _work = new();

    public void Dispose() => _work.Dispose();

    public static TheoryData<string, string> Runs() =>
        [.. Directory.EnumerateFiles(References, "*.expected.json").Order(StringComparer.Ordinal)
            .Select(path => Path.GetFileName(path).Split('.'))
            .Select(parts => new TheoryDataRow<string, string>(parts[0], parts[2]))];

    [Theory]
    [MemberData(nameof(Runs))]
    public async Task Run_OnCeval_EqualsTheReferenceComputation(string model, string hfType)
    {
        var reference = JsonNode.Parse(File.ReadAllText(Path.Combine(References, $"{model}.ceval.{hfType}.expected.json")))!;
        string[] subsets = [.. reference["subsets"]!.AsArray().Select(s => s!.GetValue<string>())];

        var (exit, output, error) = await CliRunner.RunAsync(
            ["run", "--model", SharedData.Model(model), "--hf-type", hfType, "--datasets", "ceval_ppl", "ceval_gen", "--subsets", .. subsets,
             "--limit", reference["limit"]!.ToString(), "--max-out-len", reference["maxOutLen"]!.ToString(), "--data-root", SharedData.Datasets, "-w", _work.Path]);

        Assert.True(exit == 0, error + output);
        Assert.Contains($"Evaluated as a {hfType} model (hf-type {hfType})", output, StringComparison.Ordinal);
        var predictions = Path.Combine(Assert.Single(Directory.GetDirectories(_work.Path)), "predictions", model);
        var failures = new List<string>();
        foreach (var question in reference["questions"]!.AsArray())
        {
            var subset = question!["subset"]!.GetValue<string>()["ceval-".Length..];
            var key = question["index"]!.GetValue<int>().ToString(CultureInfo.InvariantCulture);
            var ppl = Read(Path.Combine(predictions, $"ceval_ppl-{subset}.json"))[key]!;
            var expectedPpl = question["ppl"]!.AsArray().Select(p => p!.GetValue<double>()).ToList();
            for (var label = 0; label < 4; label++)
            {
                var actual = ppl[$"label: {(char)('A' + label)}"]!["PPL"]!.GetValue<double>();
                if (Math.Abs(actual - expectedPpl[label]) > 1e-4)
                {
                    failures.Add($"{subset} #{key} label {(char)('A' + label)}: PPL {actual}, reference {expectedPpl[label]}");
                }
            }

            if (ppl["prediction"]!.GetValue<string>() != question["prediction"]!.GetValue<string>())
            {
                failures.Add($"{subset} #{key}: chose {ppl["prediction"]}, reference {question["prediction"]}");
            }

            var gen = Read(Path.Combine(predictions, $"ceval_gen-{subset}.json"))[key]!;
            if (gen["prediction"]!.GetValue<string>() != question["genText"]!.GetValue<string>())
            {
                failures.Add($"{subset} #{key}: generated {JsonSerializer.Serialize(gen["prediction"]!.GetValue<string>())}, reference {JsonSerializer.Serialize(question["genText"]!.GetValue<string>())}");
            }
        }

        Assert.True(output.Contains(" 0 errored;", StringComparison.Ordinal), output);
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    private static JsonNode Read(string path) => JsonNode.Parse(File.ReadAllText(path))!;
}
