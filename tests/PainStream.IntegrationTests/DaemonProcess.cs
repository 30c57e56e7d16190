// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Diagnostics;
using System.Reflection;
using System.Text;
using System.Text.Json;
using PainStream.Testing;

namespace PainStream.IntegrationTests;

/// <summary>
/// The real daemon (built with this test project, see <see cref="DaemonDll"/>), started as a child
/// process with its own configuration file, so tests see exactly what an integrator runs.
/// </summary>
internal sealed class DaemonProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly string _directory;

    private DaemonProcess(Process process, string directory, string configFile, int httpPort)
    {
        _process = process;
        _directory = directory;
        ConfigFile = configFile;
        HttpPort = httpPort;
    }

    /// <summary>Gets the daemon's process id.</summary>
    public int Pid => _process.Id;

    /// <summary>Gets the configuration file the daemon reads (tests may rewrite it for hot reload).</summary>
    public string ConfigFile { get; }

    /// <summary>Gets the port of the health and metrics endpoint.</summary>
    public int HttpPort { get; }

    /// <summary>Gets everything the daemon wrote to stdout and stderr so far.</summary>
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

    /// <summary>
    /// Gets the daemon's entry assembly: the one this test project's build built (see the project file), so a plain
    /// <c>dotnet test</c> never runs a stale daemon from <c>artifacts/</c>.
    /// </summary>
    public static string DaemonDll { get; } =
        typeof(DaemonProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "PainStreamDaemonDll").Value
        ?? throw new InvalidOperationException("the daemon's path was not baked into the test assembly");

    /// <summary>
    /// Gets the offline tools' entry assembly (<c>painstream-tools</c>), built with this test project like the daemon: the
    /// <c>painstream</c> wrappers run it for <see cref="ToolVerbs"/>.
    /// </summary>
    public static string ToolsDll { get; } =
        typeof(DaemonProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "PainStreamToolsDll").Value
        ?? throw new InvalidOperationException("the tools' path was not baked into the test assembly");

    /// <summary>Gets the verbs the <c>painstream</c> wrappers hand to <see cref="ToolsDll"/>, as the wrapper scripts list them.</summary>
    public static IReadOnlyList<string> ToolVerbs { get; } = ["score", "eval", "dataset", "demo-clip", "replay"];

    /// <summary>Writes <paramref name="config"/> to a temporary file and starts the daemon on it.</summary>
    /// <param name="config">The configuration (serialised as JSON); an <c>Http</c> section on a free port is added.</param>
    /// <param name="arguments">Arguments before <c>--config</c>; <c>run</c> by default.</param>
    /// <returns>The running daemon.</returns>
    public static DaemonProcess Start(Dictionary<string, object> config, params string[] arguments)
    {
        var directory = Directory.CreateTempSubdirectory("painstream-it-").FullName;
        var httpPort = FreePort.Get();
        config.TryAdd("Http", new Dictionary<string, object> { ["Enabled"] = true, ["Url"] = $"http://127.0.0.1:{httpPort}" });

        // The score history, like the outbox, is one file per daemon (the default is under the repository).
        if (config["Http"] is Dictionary<string, object> http)
        {
            http.TryAdd("History", new Dictionary<string, object> { ["Path"] = Path.Combine(directory, "history.db") });
        }

        // Each daemon gets its own alert outbox: the default (data/state under the repository) would be shared between
        // tests and worktrees, and an outbox file admits one process at a time.
        // Likewise the patients' learnt baselines (data/state by default).
        config.TryAdd("Mqtt", new Dictionary<string, object>());
        if (config["Mqtt"] is Dictionary<string, object> mqtt)
        {
            mqtt.TryAdd("OutboxPath", Path.Combine(directory, "outbox.db"));
        }

        config.TryAdd("Scoring", new Dictionary<string, object>());
        if (config["Scoring"] is Dictionary<string, object> scoring)
        {
            scoring.TryAdd("StateDirectory", Path.Combine(directory, "state"));
        }

        var file = Path.Combine(directory, "painstream.json");
        File.WriteAllText(file, JsonSerializer.Serialize(config));
        return Launch(directory, file, httpPort, arguments.Length == 0 ? ["run", "--config", file] : [.. arguments, "--config", file]);
    }

    /// <summary>Runs the daemon's CLI to completion (for verbs such as <c>check-config</c>).</summary>
    /// <param name="arguments">The arguments.</param>
    /// <returns>The exit code and the combined output.</returns>
    public static async Task<(int ExitCode, string Output)> RunCliAsync(params string[] arguments)
    {
        var directory = Directory.CreateTempSubdirectory("painstream-cli-").FullName;
        await using var daemon = Launch(directory, configFile: string.Empty, httpPort: 0, arguments);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await daemon._process.WaitForExitAsync(cts.Token);

        // The parameterless overload also waits for the redirected output to be fully read.
#pragma warning disable VSTHRD103
        daemon._process.WaitForExit();
#pragma warning restore VSTHRD103
        return (daemon._process.ExitCode, daemon.Output);
    }

    /// <summary>Starts the daemon again with this one's configuration file (same ports, same state), e.g. after <see cref="TerminateAsync"/>.</summary>
    /// <returns>The new process; dispose it before this one (this one's folder holds the configuration).</returns>
    public DaemonProcess StartAgain() =>
        Launch(Directory.CreateTempSubdirectory("painstream-it-").FullName, ConfigFile, HttpPort, ["run", "--config", ConfigFile]);

    /// <summary>Sends SIGTERM (what systemd sends on stop) and waits for the exit.</summary>
    /// <param name="timeout">How long to wait.</param>
    /// <returns>The exit code.</returns>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        Signals.Send(_process.Id, Signals.SigTerm);
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    /// <summary>Sends SIGKILL: the daemon dies without any clean-up (its sockets are closed by the kernel).</summary>
    /// <returns>A task that completes when the process has exited.</returns>
    public async Task KillAsync()
    {
        Signals.Send(_process.Id, Signals.SigKill);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _process.WaitForExitAsync(cts.Token);
    }

    /// <summary>Gets <c>http://127.0.0.1:port/path</c> from the daemon's endpoint.</summary>
    /// <param name="path">The path.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The status code and body.</returns>
    public async Task<(int Status, string Body)> GetAsync(string path, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{HttpPort}{path}"), cancellationToken);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken));
    }

    /// <summary>Waits until the daemon's output contains <paramref name="text"/>.</summary>
    /// <param name="text">The text (ordinal).</param>
    /// <param name="timeout">How long to wait; the failure message carries the whole output.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The output at that moment.</returns>
    public async Task<string> WaitForOutputAsync(string text, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (!Output.Contains(text, StringComparison.Ordinal))
        {
            Assert.True(clock.Elapsed < timeout, $"'{text}' not logged within {timeout}; output:\n{Output}");

            // The daemon's log is a stream with no other signal to wait on.
            await Task.Delay(50, cancellationToken);
        }

        return Output;
    }

    /// <summary>Kills the daemon if it still runs and removes its temporary directory.</summary>
    /// <returns>A task that completes when done.</returns>
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _process.WaitForExitAsync(cts.Token);
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temp directory left behind is harmless.
        }
    }

    private static DaemonProcess Launch(string directory, string configFile, int httpPort, string[] arguments)
    {
        // As the painstream wrapper does: the offline verbs run the tools' assembly, everything else the daemon.
        var dll = arguments.Length > 0 && ToolVerbs.Contains(arguments[0]) ? ToolsDll : DaemonDll;
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException($"{dll} is missing: build tests/PainStream.IntegrationTests (it builds the daemon and the tools).", dll);
        }

        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = directory,
        };
        start.ArgumentList.Add(dll);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["PAINSTREAM_HOME"] = TestPaths.RepoRoot;
        start.Environment["DOTNET_ENVIRONMENT"] = "IntegrationTest";
        start.Environment.Remove("NOTIFY_SOCKET");
        var process = new Process { StartInfo = start };
        var daemon = new DaemonProcess(process, directory, configFile, httpPort);
        process.OutputDataReceived += (_, e) => daemon.Append(e.Data);
        process.ErrorDataReceived += (_, e) => daemon.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return daemon;
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
