using System.Diagnostics;

namespace EvalTests.Xunit.Tests;

/// <summary>The real dotnet CLI (or an installed tool) run in a folder, as a user would type it; output is stdout and stderr together.</summary>
public static class DotnetCommand
{
    public static (int ExitCode, string Output) Run(string folder, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string>? environment = null, TimeSpan? timeout = null) =>
        Exec("dotnet", folder, arguments, environment, timeout);

    public static (int ExitCode, string Output) Exec(string executable, string folder, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string>? environment = null, TimeSpan? timeout = null)
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
