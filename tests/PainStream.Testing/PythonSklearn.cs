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
        if (!File.Exists(Interpreter))
        {
            throw new InvalidOperationException($"{Interpreter} is missing: the scikit-learn parity tests need Debian's python3 with python3-sklearn; {Fix}.");
        }

        var start = new ProcessStartInfo(Interpreter)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // A user site or PYTHONPATH must not shadow Debian's packages: the reference is python3-sklearn itself.
        start.Environment.Remove("PYTHONPATH");
        start.Environment["PYTHONNOUSERSITE"] = "1";
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {Interpreter}.");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(120));
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        var stdout = await process.StandardOutput.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        var errors = await stderr;
        if (process.ExitCode != 0)
        {
            var missing = errors.Contains("No module named 'sklearn'", StringComparison.Ordinal) || errors.Contains("No module named 'numpy'", StringComparison.Ordinal);
            throw new InvalidOperationException(missing
                ? $"scikit-learn is not importable by {Interpreter}: {Fix}.{Environment.NewLine}{errors}"
                : $"{Interpreter} exited with {process.ExitCode}:{Environment.NewLine}{errors}");
        }

        return JsonDocument.Parse(stdout);
    }
}
