using System.Text.Json;
using EvalTests.Scoring;

namespace EvalTests.Datasets.Cards;

/// <summary>
/// Reads dataset cards — built-in or a user's — in one way: checked against <c>card.schema.json</c>, then read, then
/// checked for what a schema cannot say. Every error names the file, the JSON path and line, and what was expected.
/// </summary>
public static class CardReader
{
    /// <summary>Reads a card file; its data files are found beside it (or in its <c>dataDir</c>).</summary>
    /// <exception cref="InvalidDataException">The card is not valid.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static DatasetCard ReadFile(string path, bool locatesItsData = true)
    {
        var full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new FileNotFoundException($"{path}: the dataset card does not exist.", full);
        }

        var card = Parse(File.ReadAllText(full), path);
        return locatesItsData ? card with { Location = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(full)!, card.DataDir ?? ".")) } : card;
    }

    /// <summary>Reads a card from JSON; <paramref name="source"/> names it in errors.</summary>
    /// <exception cref="InvalidDataException">The card is not valid.</exception>
    public static DatasetCard Parse(string json, string source) => Parse(json, source, checkSchema: true);

    /// <summary>
    /// A card that ships with EvalTests, read without the schema step: its tests check every built-in card against the
    /// schema, and evaluating one brings in hundreds of methods to compile, most of the time a run takes to start.
    /// </summary>
    internal static DatasetCard ReadBuiltIn(string path) => Parse(File.ReadAllText(path), path, checkSchema: false);

    private static DatasetCard Parse(string json, string source, bool checkSchema)
    {
        var locations = JsonLocations.Index(json);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{source}: line {ex.LineNumber + 1}: not valid JSON: {ex.Message}", ex);
        }

        using (document)
        {
            var problems = checkSchema ? CardSchema.Check(document.RootElement, locations) : [];
            if (problems.Count > 0)
            {
                throw new InvalidDataException($"{source}: not a valid dataset card ({CardSchema.FileName}):{string.Concat(problems.Take(10).Select(p => $"{Environment.NewLine}  {p}"))}{(problems.Count > 10 ? $"{Environment.NewLine}  … and {problems.Count - 10} more" : string.Empty)}");
            }
        }

        DatasetCard card;
        try
        {
            card = JsonSerializer.Deserialize(json, CardJsonContext.Default.DatasetCard)
                ?? throw new InvalidDataException($"{source}: the dataset card is empty.");
        }
        catch (Exception ex) when (ex is JsonException or FormatException)
        {
            var path = (ex as JsonException)?.Path ?? (ex.InnerException as JsonException)?.Path;
            throw new InvalidDataException($"{source}: {(path is null ? "$" : locations.Describe(PointerOf(path)))}: {ex.Message}", ex);
        }

        var both = card.Configs.Select((c, i) => (c, i)).FirstOrDefault(x => x.c.FewShotCount is not null && x.c.FewShotIds is { Count: > 0 });
        if (both.c is not null)
        {
            throw new InvalidDataException($"{source}: {locations.Describe($"/configs/{both.i}")}: give fewShotIds or fewShotCount, not both");
        }

        card = Normalize(card) with { Source = source };
        Check(card, source, locations);
        return card;
    }

    // The JSON source generator leaves absent collections null despite their initializers, and optional subset names
    // default to the subset's name.
    private static DatasetCard Normalize(DatasetCard card) => card with
    {
        Groups = card.Groups ?? [],
        Sha256 = card.Sha256 ?? new Dictionary<string, string>(),
        Subsets = [.. card.Subsets.Select(s => s with { Title = s.Title ?? s.Name, LocalName = s.LocalName ?? s.Name, Categories = s.Categories ?? [] })],
        Configs = [.. card.Configs.Select(c => c with
        {
            Aliases = c.Aliases ?? [], Labels = c.Labels ?? [], FixedShots = c.FixedShots ?? [], StopStrings = c.StopStrings ?? [],
            GoldColumn = c.GoldColumn ?? "answer",
            FewShotIds = c.FewShotCount is { } count ? [.. Enumerable.Range(0, count)] : c.FewShotIds ?? [],
            FewShotCount = null,
        })],
    };

    private static void Check(DatasetCard card, string source, JsonLocations locations)
    {
        void Fail(string pointer, string message) =>
            throw new InvalidDataException($"{source}: {locations.Describe(pointer)}: {message}");

        for (var i = 0; i < card.Configs.Count; i++)
        {
            var config = card.Configs[i];
            var at = $"/configs/{i}";
            if (config.Mode == EvalMode.Ppl && config.Labels.Count == 0)
            {
                Fail(at, $"config '{config.Name}' is ppl mode, which scores each label: expected \"labels\", e.g. [\"A\", \"B\", \"C\", \"D\"]");
            }

            if (config.FewShotIds.Count > 0 && card.Splits.FewShot is null)
            {
                Fail(at, $"config '{config.Name}' takes few-shot rows, but the card names no few-shot split: expected \"splits\": {{\"eval\": …, \"fewShot\": …}}");
            }

            if (config.TextTemplate is { } text && config.FewShotIds.Count > 0 && !text.Prompt.Contains(TextTemplate.IceToken, StringComparison.Ordinal))
            {
                Fail($"{at}/textTemplate/prompt", $"config '{config.Name}' takes few-shot rows, but its prompt has no {TextTemplate.IceToken} where they go");
            }

            if (config.Postprocessor is { } spec)
            {
                try
                {
                    AnswerPostprocessors.Get(spec);
                }
                catch (ArgumentException ex)
                {
                    Fail($"{at}/postprocessor", ex.Message);
                }
            }

            if (config.Judge is { } judge)
            {
                if (config.Mode != EvalMode.Gen || judge.Template is null || judge.Template.Count == 0 || judge.Template.Any(t => t.Role is not ("system" or "human")))
                {
                    Fail($"{at}/judge", $"config '{config.Name}' has a judge, which needs gen mode and a template of system/human turns");
                }

                if (judge.Cascade && (judge.Kind != JudgeKind.Verifier || config.Postprocessor is null))
                {
                    Fail($"{at}/judge", $"config '{config.Name}' cascades its judge, which needs a verifier judge and a postprocessor to try first");
                }
            }
        }

        if (card.Subsets.GroupBy(s => s.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            Fail("/subsets", $"the subset '{twice.Key}' is listed twice");
        }
    }

    private static string PointerOf(string jsonPath) =>
        string.Concat(System.Text.RegularExpressions.Regex.Matches(jsonPath, @"\.([^.\[]+)|\[(\d+)\]").Select(m => "/" + (m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value)));
}
