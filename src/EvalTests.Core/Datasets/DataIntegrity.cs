using System.Security.Cryptography;

namespace EvalTests.Datasets;

/// <summary>The verdict on one data file.</summary>
/// <param name="RelativePath">The path relative to the benchmark folder.</param>
/// <param name="Expected">The SHA-256 the card names.</param>
/// <param name="Actual">The SHA-256 of the file, or null when it is missing.</param>
public sealed record FileCheck(string RelativePath, string Expected, string? Actual)
{
    /// <summary>Whether the file exists and matches.</summary>
    public bool IsValid => string.Equals(Expected, Actual, StringComparison.OrdinalIgnoreCase);
}

/// <summary>Checks data files against the SHA-256 sums in their card.</summary>
public static class DataIntegrity
{
    /// <summary>Hashes every file the card names.</summary>
    public static IReadOnlyList<FileCheck> Verify(DatasetCard card, string benchmarkFolder) =>
        card.Sha256
            .Select(entry =>
            {
                var path = Path.Combine(benchmarkFolder, entry.Key);
                return new FileCheck(entry.Key, entry.Value, File.Exists(path) ? HashFile(path) : null);
            })
            .ToList();

    /// <summary>Verifies the files one subset needs, throwing on the first mismatch.</summary>
    /// <exception cref="InvalidDataException">A file's hash differs from the card.</exception>
    public static void EnsureValid(DatasetCard card, string benchmarkFolder, IEnumerable<string> relativePaths)
    {
        foreach (var relative in relativePaths)
        {
            if (!card.Sha256.TryGetValue(relative, out var expected))
            {
                continue;
            }

            var path = Path.Combine(benchmarkFolder, relative);
            var actual = File.Exists(path) ? HashFile(path) : null;
            if (actual is null)
            {
                throw new FileNotFoundException($"{path}: missing data file named in the {card.Title} card.", path);
            }

            if (!string.Equals(actual, expected, StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidDataException($"{path}: SHA-256 mismatch: the {card.Title} card expects {expected}, the file has {actual}. Re-download it with `evaltests data pull {card.Name}`.");
            }
        }
    }

    /// <summary>The lowercase hex SHA-256 of a file.</summary>
    public static string HashFile(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
