using System.Diagnostics;

namespace EvalTests.TestSupport;

/// <summary>A real program (the dotnet CLI, an installed tool, a browser) run in a folder as a user would; output is stdout and stderr together.</summary>
public static class ExternalCommand
{
    /// <summary>The dotnet CLI.</summary>
    public static (int ExitCode, string Output) Dotnet(string folder, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string>? environment = null, TimeSpan? timeout = null) =>
        Run("dotnet", folder, arguments, environment, timeout);

    /// <summary>Any program, killed (with its children) when it outlives the timeout (5 minutes by default).</summary>
    public static (int ExitCode, string Output) Run(string executable, string folder, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string>? environment = null, TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo(executable) { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        // A snapshot accepted by the surrounding shell must not leak into the runs under test.
        start.Environment.Remove("EVALTESTS_ACCEPT");
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        var limit = timeout ?? TimeSpan.FromMinutes(5);
        if (!process.WaitForExit(limit))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{executable} {string.Join(' ', arguments)} did not finish in {limit.TotalMinutes:0} minutes.");
        }

        return (process.ExitCode, stdout.Result + stderr.Result);
    }
}
