using System.Text.RegularExpressions;

namespace EvalTests.TestSupport;

/// <summary>
/// The example files a document in docs/ shows, each a fenced block under a <c>&lt;!-- file: PATH --&gt;</c> comment, so
/// that a spec runs exactly what a user copies from the page.
/// </summary>
public static partial class DocExamples
{
    /// <summary>The example files of a document (e.g. <c>docs/datasets.md</c>), by the path each names.</summary>
    public static IReadOnlyDictionary<string, string> Files(string document)
    {
        var text = File.ReadAllText(Path.Combine(Repository.Root, document)).Replace("\r\n", "\n", StringComparison.Ordinal);
        var files = FileBlock().Matches(text).ToDictionary(m => m.Groups["path"].Value, m => m.Groups["body"].Value);
        return files.Count > 0 ? files : throw new InvalidDataException($"{document} shows no <!-- file: … --> examples.");
    }

    /// <summary>Writes a document's example files under a folder.</summary>
    public static void WriteTo(string document, string folder)
    {
        foreach (var (path, body) in Files(document))
        {
            var target = Path.Combine(folder, path);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.WriteAllText(target, body);
        }
    }

    [GeneratedRegex(@"<!-- file: (?<path>\S+) -->\n```\w*\n(?<body>.*?)```", RegexOptions.Singleline)]
    private static partial Regex FileBlock();
}
