// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.ComponentModel;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using FFMpegCore;

namespace PainStream.Capture.FFmpeg;

/// <summary>
/// One ffmpeg child process: raw frames on stdout, stderr drained continuously into a small ring of its last lines.
/// </summary>
/// <remarks>
/// Sole owner of the <see cref="Process"/> (STYLE §19). <see cref="DisposeAsync"/> kills the whole process tree and waits
/// for the exit, which reaps the child (no zombies), and is idempotent. <see cref="Kill"/> may be called from any thread
/// (the watchdog and cancellation callbacks do); everything else belongs to the session that started the process.
/// </remarks>
internal sealed class FfmpegProcess : IAsyncDisposable
{
    private const int StderrLines = 8;

    // How long a process that closed its stdout gets to exit on its own (so its exit code and last words are known).
    private static readonly TimeSpan ExitGrace = TimeSpan.FromSeconds(2);

    // Bound on waiting for the stderr reader after exit: a grandchild holding the pipe must not hang the loop.
    private static readonly TimeSpan StderrGrace = TimeSpan.FromSeconds(1);

    private readonly Process _process;
    private readonly Queue<string> _stderr = new(StderrLines);
    private readonly Task _stderrDrain;
    private int _disposed;

    private FfmpegProcess(Process process)
    {
        _process = process;
        Id = process.Id;
        Stdout = process.StandardOutput.BaseStream;
        _stderrDrain = DrainStderrAsync(process.StandardError);
    }

    /// <summary>Gets the operating-system process id.</summary>
    public int Id { get; }

    /// <summary>Gets the raw-video stream.</summary>
    public Stream Stdout { get; }

    /// <summary>Gets a value indicating whether the process has exited.</summary>
    public bool HasExited
    {
        get
        {
            try
            {
                return _process.HasExited;
            }
            catch (InvalidOperationException)
            {
                return true;
            }
        }
    }

    /// <summary>Starts ffmpeg.</summary>
    /// <param name="executable">The resolved executable (see <see cref="ResolveExecutable"/>).</param>
    /// <param name="arguments">argv after the executable; passed without a shell.</param>
    /// <returns>The running process.</returns>
    /// <exception cref="Win32Exception">The executable could not be started.</exception>
    public static FfmpegProcess Start(string executable, IReadOnlyList<string> arguments)
    {
        var info = new ProcessStartInfo(executable)
        {
            UseShellExecute = false,
            CreateNoWindow = true,

            // Closed right away: ffmpeg runs with -nostdin and must not inherit (and steal from) the daemon's stdin.
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = info };
        try
        {
            process.Start();
            process.StandardInput.Close();
            return new FfmpegProcess(process);
        }
        catch
        {
            process.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Resolves the ffmpeg executable from <c>Capture:FfmpegPath</c>: a file or a name on PATH is used as is; a directory is
    /// searched the way FFMpegCore does (<c>{dir}/x64/ffmpeg</c>, then <c>{dir}/ffmpeg</c>); the default name <c>ffmpeg</c>
    /// honours an FFMpegCore <c>BinaryFolder</c> configured globally (e.g. by <c>ffmpeg.config.json</c>).
    /// </summary>
    /// <param name="configured">The configured path or name.</param>
    /// <returns>The path or name to start.</returns>
    public static string ResolveExecutable(string configured)
    {
        if (Directory.Exists(configured))
        {
            return GlobalFFOptions.GetFFMpegBinaryPath(new FFOptions { BinaryFolder = configured });
        }

        if (string.Equals(configured, "ffmpeg", StringComparison.Ordinal))
        {
            try
            {
                if (!string.IsNullOrEmpty(GlobalFFOptions.Current.BinaryFolder))
                {
                    return GlobalFFOptions.GetFFMpegBinaryPath();
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Text.Json.JsonException)
            {
                // By design: an unreadable ffmpeg.config.json must not stop capture; fall back to ffmpeg on PATH.
            }
        }

        return configured;
    }

    /// <summary>Kills the process and its children; safe to call at any time, from any thread, more than once.</summary>
    public void Kill()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (Exception ex) when (ex is InvalidOperationException or Win32Exception or NotSupportedException)
        {
            // By design: the process has already exited (or is exiting); there is nothing left to kill.
        }
    }

    /// <summary>Waits for the process to exit on its own for a short grace period, then kills it, and reaps it.</summary>
    /// <returns>The exit code, and whether it had to be killed.</returns>
    public async Task<(int ExitCode, bool Killed)> WaitForExitOrKillAsync()
    {
        var killed = false;
        using (var grace = new CancellationTokenSource(ExitGrace))
        {
            try
            {
                await _process.WaitForExitAsync(grace.Token);
            }
            catch (OperationCanceledException)
            {
                killed = true;
                Kill();
            }
        }

        await ReapAsync();
        return (_process.ExitCode, killed);
    }

    /// <summary>Gets the last lines ffmpeg wrote on stderr, oldest first, after waiting briefly for the reader to finish.</summary>
    /// <returns>The lines.</returns>
    public async Task<IReadOnlyList<string>> LastErrorLinesAsync()
    {
        await WaitForStderrAsync();
        lock (_stderr)
        {
            return [.. _stderr];
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Kill();
        await ReapAsync();
        await WaitForStderrAsync();
        _process.Dispose();
    }

    [SuppressMessage("Usage", "VSTHRD003:Avoid awaiting foreign Tasks", Justification = "A worker has no SynchronizationContext or JoinableTaskFactory; the task was started by this instance.")]
    private async Task WaitForStderrAsync()
    {
        try
        {
            await _stderrDrain.WaitAsync(StderrGrace);
        }
        catch (TimeoutException)
        {
            // By design: a grandchild may still hold the pipe open; the lines read so far are enough.
        }
    }

    private async Task ReapAsync()
    {
        // WaitForExitAsync returns once the runtime has waitpid()ed the child, so no zombie is left behind. SIGKILL is
        // acted on even when the process is SIGSTOPped, so this cannot hang on a stopped ffmpeg.
        try
        {
            await _process.WaitForExitAsync();
        }
        catch (InvalidOperationException)
        {
            // By design: the process never started; nothing to reap.
        }
    }

    private async Task DrainStderrAsync(StreamReader reader)
    {
        // Yield first so that the constructor returns before the loop starts reading.
        await Task.Yield();
        try
        {
            while (await reader.ReadLineAsync() is { } line)
            {
                if (line.Length == 0)
                {
                    continue;
                }

                lock (_stderr)
                {
                    if (_stderr.Count == StderrLines)
                    {
                        _stderr.Dequeue();
                    }

                    _stderr.Enqueue(line.Length > 300 ? line[..300] : line);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            // By design: the pipe closes when the process dies or is disposed; the ring keeps what was read.
        }
    }
}
