// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Diagnostics;

namespace PainStream.Testing;

/// <summary>
/// Runs a bash script in a private network namespace (<c>unshare -n</c>; inside a user namespace, <c>-r</c>, when not
/// root), so a test that needs a fixed port (the daemon's default 1883) never collides with other tests or the machine.
/// </summary>
public static class NetworkNamespace
{
    /// <summary>Runs <paramref name="script"/> as <c>bash script directory</c> in a new network namespace.</summary>
    /// <param name="script">The script's text; its first argument (<c>$1</c>) is <paramref name="directory"/>.</param>
    /// <param name="directory">A scratch folder for the script (the script is written there as <c>run.sh</c>).</param>
    /// <param name="environment">Variables added to the script's environment.</param>
    /// <param name="timeout">How long the script may run before the test fails.</param>
    /// <param name="cancellationToken">The test's token.</param>
    /// <returns>The script's exit code, and its standard output then standard error.</returns>
    public static async Task<(int ExitCode, string Output)> RunScriptAsync(
        string script, string directory, IReadOnlyDictionary<string, string> environment, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var file = Path.Combine(directory, "run.sh");
        await File.WriteAllTextAsync(file, script, cancellationToken);

        // Root (CI) gets a network namespace directly; another user gets one inside a user namespace (-r).
        string[] unshare = Environment.UserName == "root" ? ["-n"] : ["-r", "-n"];
        var start = new ProcessStartInfo("unshare")
        {
            WorkingDirectory = TestPaths.RepoRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in (string[])[.. unshare, "bash", file, directory])
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("unshare did not start");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await stdout + await stderr);
    }
}
