// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace PainStream.Testing;

/// <summary>
/// A real Mosquitto broker (<c>/usr/sbin/mosquitto</c>) started by a test with its own configuration in a temporary
/// directory: listener on 127.0.0.1 only, anonymous access, no persistence unless asked for (without it a restart forgets retained messages and sessions).
/// </summary>
/// <remarks>Not thread-safe: one test drives it. Disposal always kills the process and deletes the directory.</remarks>
public sealed class Mosquitto : IAsyncDisposable
{
    /// <summary>Where Debian installs the broker.</summary>
    public const string ExecutablePath = "/usr/sbin/mosquitto";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(10);

    private readonly string _directory;
    private readonly string _configPath;
    private readonly StringBuilder _output = new();
    private Process? _process;

    private Mosquitto(int port, bool persistent, IReadOnlyList<string>? access = null)
    {
        Port = port;
        _directory = Directory.CreateTempSubdirectory("painstream-mosquitto-").FullName;
        _configPath = Path.Combine(_directory, "mosquitto.conf");
        File.WriteAllText(_configPath, string.Join('\n', [
            string.Create(CultureInfo.InvariantCulture, $"listener {port} 127.0.0.1"),
            .. access ?? ["allow_anonymous true"],
            persistent ? "persistence true" : "persistence false",
            "persistence_location " + _directory + "/",

            // Run as root, mosquitto would switch to the 'mosquitto' user; stay as whoever runs the tests.
            "user " + Environment.UserName,
            "log_dest stderr",
            "log_type error",
            "log_type warning",
            "log_type notice",
            "log_type information",
            "connection_messages true",
            string.Empty,
        ]));
    }

    /// <summary>Gets a value indicating whether the broker is installed on this machine.</summary>
    public static bool IsInstalled => File.Exists(ExecutablePath);

    /// <summary>Gets the port the broker listens on (127.0.0.1).</summary>
    public int Port { get; }

    /// <summary>Gets a value indicating whether the broker process is running.</summary>
    public bool IsRunning => _process is { HasExited: false };

    /// <summary>Gets everything the broker has logged so far (for assertion messages).</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts a broker on a free port (or on <paramref name="port"/>) and waits until it accepts connections.</summary>
    /// <param name="port">The port, or <see langword="null"/> for a free one.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The running broker.</returns>
    public static Task<Mosquitto> StartAsync(int? port = null, CancellationToken cancellationToken = default) =>
        StartAsync(port, persistent: false, cancellationToken);

    /// <summary>
    /// Starts a broker on a free port that keeps retained messages, sessions and their queued QoS 1 messages across
    /// <see cref="StopAsync"/> and <see cref="StartAgainAsync"/> (Mosquitto writes its database on a clean stop), as a
    /// production broker does.
    /// </summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The running broker.</returns>
    public static Task<Mosquitto> StartPersistentAsync(CancellationToken cancellationToken = default) =>
        StartAsync(port: null, persistent: true, cancellationToken);

    /// <summary>Starts a broker on a free port with these access lines instead of <c>allow_anonymous true</c> (e.g. <c>password_file</c>, <c>acl_file</c>).</summary>
    /// <param name="access">The configuration lines.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The running broker.</returns>
    public static Task<Mosquitto> StartWithAccessAsync(IReadOnlyList<string> access, CancellationToken cancellationToken = default) =>
        StartAsync(port: null, persistent: false, cancellationToken, access);

    /// <summary>Kills the broker with SIGKILL (no goodbye to clients, like a crash) and reaps it.</summary>
    /// <returns>A task that completes when the process has exited.</returns>
    public async Task KillAsync()
    {
        if (Interlocked.Exchange(ref _process, null) is not { } process)
        {
            return;
        }

        using (process)
        {
            try
            {
                // Process.Kill sends SIGKILL on Unix.
                process.Kill();
            }
            catch (InvalidOperationException)
            {
                // Already exited.
            }

            await process.WaitForExitAsync();
        }
    }

    /// <summary>Stops the broker cleanly with SIGTERM (it saves its database when persistent) and reaps it.</summary>
    /// <returns>A task that completes when the process has exited.</returns>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _process, null) is not { } process)
        {
            return;
        }

        using (process)
        {
            ProcessScan.Signal(process.Id, "TERM");
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await process.WaitForExitAsync(cts.Token);
        }
    }

    /// <summary>Starts the broker again on the same port after <see cref="StopAsync"/> or <see cref="KillAsync"/>.</summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>A task that completes when the broker accepts connections again.</returns>
    public async Task StartAgainAsync(CancellationToken cancellationToken = default)
    {
        if (IsRunning)
        {
            throw new InvalidOperationException("The broker is still running.");
        }

        await StartProcessAsync(cancellationToken);
    }

    /// <summary>Kills the broker if it runs and starts it again on the same port.</summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>A task that completes when the broker accepts connections again.</returns>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        await KillAsync();
        await StartProcessAsync(cancellationToken);
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temp directory left behind is harmless.
        }
    }

    private static async Task<Mosquitto> StartAsync(int? port, bool persistent, CancellationToken cancellationToken, IReadOnlyList<string>? access = null)
    {
        // A free port can be taken between FreePort.Get and the bind: try a few when the port was ours to choose.
        for (var attempt = 1; ; attempt++)
        {
            var broker = new Mosquitto(port ?? FreePort.Get(), persistent, access);
            try
            {
                await broker.StartProcessAsync(cancellationToken);
                return broker;
            }
            catch (InvalidOperationException) when (port is null && attempt < 3)
            {
                await broker.DisposeAsync();
            }
            catch
            {
                await broker.DisposeAsync();
                throw;
            }
        }
    }

    private async Task StartProcessAsync(CancellationToken cancellationToken)
    {
        if (!IsInstalled)
        {
            throw new InvalidOperationException($"{ExecutablePath} is not installed: run scripts/setup (it installs mosquitto).");
        }

        var start = new ProcessStartInfo(ExecutablePath)
        {
            ArgumentList = { "-c", _configPath },
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = _directory,
        };
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var listening = FreePort.WaitUntilListeningAsync(Port, StartTimeout, cts.Token);
        var exited = process.WaitForExitAsync(cts.Token);
        var first = await Task.WhenAny(listening, exited);
        await cts.CancelAsync();
        if (first == exited && process.HasExited)
        {
            var code = process.ExitCode;
            await KillAsync();
            throw new InvalidOperationException($"mosquitto exited with code {code} before listening on 127.0.0.1:{Port}:\n{Output}");
        }

        try
        {
            await listening;
        }
        catch (TimeoutException ex)
        {
            await KillAsync();
            throw new InvalidOperationException($"mosquitto did not listen on 127.0.0.1:{Port} within {StartTimeout}:\n{Output}", ex);
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
