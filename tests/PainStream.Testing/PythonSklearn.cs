// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Diagnostics;
using System.Text.Json;

namespace PainStream.Testing;

/// <summary>
/// Runs a Python snippet with Debian's <c>/usr/bin/python3</c> and scikit-learn (package <c>python3-sklearn</c>, installed by
/// <c>scripts/setup</c>) as the independent reference for the evaluation metrics. A missing interpreter or package fails
/// the test with the command that fixes it; it never skips.
/// </summary>
public static class PythonSklearn
{
    /// <summary>The interpreter: Debian's, whose <c>dist-packages</c> hold <c>python3-sklearn</c> (not a pyenv shim).</summary>
    public const string Interpreter = "/usr/bin/python3";

    private const string Fix = "install it with `apt-get install -y python3-sklearn` (scripts/setup does)";

    /// <summary>Runs <paramref name="script"/> with <c>sys.argv[1:]</c> = <paramref name="arguments"/> and parses its standard output as JSON.</summary>
    /// <param name="script">Python source; it must print one JSON document.</param>
    /// <param name="arguments">Arguments after <c>-c SCRIPT</c>.</param>
    /// <param name="cancellationToken">Cancels the wait (the process is killed).</param>
    /// <returns>The parsed output (dispose it).</returns>
    public static async Task<JsonDocument> RunJsonAsync(string script, string[] arguments, CancellationToken cancellationToken = default)
    {
        var (code, stdout, errors) = await RunAsync(["-c", script, .. arguments], workingDirectory: null, TimeSpan.FromSeconds(120), cancellationToken);
        if (code != 0)
        {
            var missing = errors.Contains("No module named 'sklearn'", StringComparison.Ordinal) || errors.Contains("No module named 'numpy'", StringComparison.Ordinal);
            throw new InvalidOperationException(missing
                ? $"scikit-learn is not importable by {Interpreter}: {Fix}.{Environment.NewLine}{errors}"
                : $"{Interpreter} exited with {code}:{Environment.NewLine}{errors}");
        }

        return JsonDocument.Parse(stdout);
    }

    /// <summary>Runs the training kit (<c>python3 -m training ARGS</c>) from the repository root.</summary>
    /// <param name="arguments">The kit's command line.</param>
    /// <param name="cancellationToken">Cancels the wait (the process is killed).</param>
    /// <returns>The exit code and the captured output.</returns>
    public static Task<(int Code, string Stdout, string Stderr)> TrainingKitAsync(string[] arguments, CancellationToken cancellationToken = default) =>
        RunAsync(["-m", "training", .. arguments], TestPaths.RepoRoot, TimeSpan.FromMinutes(10), cancellationToken);

    /// <summary>Runs Debian's interpreter with <paramref name="arguments"/>; a user site or PYTHONPATH never shadows Debian's packages.</summary>
    /// <param name="arguments">The interpreter's arguments.</param>
    /// <param name="workingDirectory">The working directory, or <see langword="null"/> for the current one.</param>
    /// <param name="timeout">Kills the process after this long.</param>
    /// <param name="cancellationToken">Cancels the wait (the process is killed).</param>
    /// <returns>The exit code and the captured output.</returns>
    public static async Task<(int Code, string Stdout, string Stderr)> RunAsync(string[] arguments, string? workingDirectory, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        if (!File.Exists(Interpreter))
        {
            throw new InvalidOperationException($"{Interpreter} is missing: the scikit-learn parity tests and the training kit need Debian's python3 with python3-sklearn; {Fix}.");
        }

        var start = new ProcessStartInfo(Interpreter)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? string.Empty,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment.Remove("PYTHONPATH");
        start.Environment["PYTHONNOUSERSITE"] = "1";
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {Interpreter}.");
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        var stderr = process.StandardError.ReadToEndAsync(limit.Token);
        var stdout = await process.StandardOutput.ReadToEndAsync(limit.Token);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, stdout, await stderr);
    }
}
