namespace EvalTests.Datasets.Cards;

/// <summary>Where card files are: the built-in cards beside the assembly, and the folders a user names.</summary>
public static class CardFolders
{
    /// <summary>The environment variable that names a folder of the user's cards (as <c>--cards-dir</c> does).</summary>
    public const string EnvironmentVariable = "EVALTESTS_CARDS_DIR";

    /// <summary>The folder of the built-in cards (<c>cards/</c> beside EvalTests.Core.dll) and their schema.</summary>
    public static string BuiltIn => Path.Combine(Path.GetDirectoryName(typeof(CardFolders).Assembly.Location) is { Length: > 0 } folder ? folder : AppContext.BaseDirectory, "cards");

    /// <summary>The card files of a folder and its subfolders (<c>*.card.json</c>), in path order.</summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    public static IReadOnlyList<string> CardFiles(string folder, string source) =>
        Directory.Exists(folder)
            ? [.. Directory.EnumerateFiles(folder, "*.card.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal)]
            : throw new DirectoryNotFoundException($"{folder}: the cards folder ({source}) does not exist.");
}
