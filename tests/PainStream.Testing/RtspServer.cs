// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace PainStream.Testing;

/// <summary>
/// A real RTSP server for tests: <c>tests/tools/rtsp_server.py</c> (GStreamer gst-rtsp-server, H.264 over TCP or UDP) on
/// 127.0.0.1 and a free port, serving <c>videotestsrc</c>, a still image or a video file.
/// </summary>
/// <remarks>
/// <see cref="StartAsync"/> returns once the port accepts connections (the first start can take well over a second).
/// <see cref="KillAsync"/> simulates a crashed camera, <see cref="RestartAsync"/> brings it back on the same URL, and
/// <see cref="Stop"/>/<see cref="Resume"/> (SIGSTOP/SIGCONT) simulate a hung one. Disposing always kills and reaps the
/// server, also when it is stopped. Needs <c>/usr/bin/python3</c> with python3-gi and the GStreamer plugins (see
/// shared/DESIGN.md §10). Not thread-safe: one test drives it.
/// </remarks>
public sealed class RtspServer : IAsyncDisposable
{
    /// <summary>The interpreter that has GStreamer's introspection bindings (the one first on PATH may not).</summary>
    public const string Python = "/usr/bin/python3";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);

    private readonly IReadOnlyList<string> _extraArguments;
    private readonly StringBuilder _output = new();
    private Process? _process;
    private bool _stopped;

    private RtspServer(int port, string mount, IReadOnlyList<string> extraArguments)
    {
        Port = port;
        Mount = mount;
        _extraArguments = extraArguments;
    }

    /// <summary>Gets the server's TCP port on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>Gets the mount point, e.g. <c>/cam</c>.</summary>
    public string Mount { get; }

    /// <summary>Gets the stream URL.</summary>
    public string Url => string.Create(CultureInfo.InvariantCulture, $"rtsp://127.0.0.1:{Port}{Mount}");

    /// <summary>Gets a marker that appears in the command line of every client process of this server (for <see cref="ProcessScan"/>).</summary>
    public string Marker => string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{Port}/");

    /// <summary>Gets the server's process id (changes on <see cref="RestartAsync"/>), or 0 after <see cref="KillAsync"/>.</summary>
    public int ProcessId => _process is { } p ? p.Id : 0;

    /// <summary>Gets what the server printed so far (for assertion messages).</summary>
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

    /// <summary>Gets the path of the server script.</summary>
    public static string ScriptPath => Path.Combine(TestPaths.RepoRoot, "tests", "tools", "rtsp_server.py");

    /// <summary>Gets a value indicating whether the server can run here (the interpreter and the script exist).</summary>
    public static bool IsAvailable => File.Exists(Python) && File.Exists(ScriptPath);

    /// <summary>Starts a server and waits until it listens.</summary>
    /// <param name="mount">The mount point.</param>
    /// <param name="image">Serve this still image instead of the test pattern.</param>
    /// <param name="video">Serve this video file instead of the test pattern.</param>
    /// <param name="width">Encoded width.</param>
    /// <param name="height">Encoded height.</param>
    /// <param name="fps">Encoded frame rate.</param>
    /// <param name="gopSeconds">Key frame interval in seconds.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The listening server; dispose it.</returns>
    public static async Task<RtspServer> StartAsync(
        string mount = "/cam",
        string? image = null,
        string? video = null,
        int width = 640,
        int height = 480,
        int fps = 10,
        double gopSeconds = 1,
        CancellationToken cancellationToken = default)
    {
        var extra = new List<string>
        {
            "--gop-seconds", gopSeconds.ToString(CultureInfo.InvariantCulture),
            "--width", width.ToString(CultureInfo.InvariantCulture),
            "--height", height.ToString(CultureInfo.InvariantCulture),
            "--fps", fps.ToString(CultureInfo.InvariantCulture),
        };
        if (image is not null)
        {
            extra.AddRange(["--image", image]);
        }

        if (video is not null)
        {
            extra.AddRange(["--video", video]);
        }

        var server = new RtspServer(FreePort.Get(), mount.StartsWith('/') ? mount : "/" + mount, extra);
        try
        {
            await server.LaunchAsync(cancellationToken);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Kills the server with SIGKILL (a crashed camera) and reaps it.</summary>
    /// <returns>A task that completes when the process has exited.</returns>
    public async Task KillAsync()
    {
        var process = _process;
        _process = null;
        _stopped = false;
        if (process is null)
        {
            return;
        }

        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }

        await process.WaitForExitAsync();
        process.Dispose();
    }

    /// <summary>Kills the server if it runs, then starts it again on the same port and mount.</summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>A task that completes when the new server listens.</returns>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        await KillAsync();
        await LaunchAsync(cancellationToken);
    }

    /// <summary>Freezes the server with SIGSTOP (a hung camera: connections stay open, nothing is sent).</summary>
    public void Stop()
    {
        ProcessScan.Signal(RequireRunning().Id, "STOP");
        _stopped = true;
    }

    /// <summary>Thaws a server frozen by <see cref="Stop"/> (SIGCONT).</summary>
    public void Resume()
    {
        ProcessScan.Signal(RequireRunning().Id, "CONT");
        _stopped = false;
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        // SIGKILL works on a stopped process too; no SIGCONT needed.
        await KillAsync();
    }

    private Process RequireRunning() => _process ?? throw new InvalidOperationException("The RTSP server is not running.");

    private async Task LaunchAsync(CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(Python)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        info.ArgumentList.Add(ScriptPath);
        info.ArgumentList.Add(Port.ToString(CultureInfo.InvariantCulture));
        info.ArgumentList.Add(Mount);
        foreach (var argument in _extraArguments)
        {
            info.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.Start();
        _process = process;
        _stopped = false;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        // Poll the port rather than sleeping: GStreamer's first start (registry scan) can take seconds.
        using var exited = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var exit = process.WaitForExitAsync(exited.Token);
        var listening = FreePort.WaitUntilListeningAsync(Port, StartTimeout, exited.Token);
        var first = await Task.WhenAny(listening, exit);
        await exited.CancelAsync();
        if (first == exit && !cancellationToken.IsCancellationRequested)
        {
            throw new InvalidOperationException($"The RTSP server exited before listening on {Port}: {Output}");
        }

        try
        {
            await listening;
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"The RTSP server did not listen on {Port} within {StartTimeout}: {Output}", ex);
        }

        // Observe the cancelled exit wait.
        await exit.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
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

    /// <inheritdoc/>
    public override string ToString() => Url + (_stopped ? " (stopped)" : string.Empty);
}
