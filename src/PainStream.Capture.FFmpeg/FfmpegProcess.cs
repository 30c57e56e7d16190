// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.ComponentModel;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Threading.Channels;
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
    private readonly Channel<FrameTime>? _frameTimes;
    private int _disposed;

    private FfmpegProcess(Process process, bool levelTagged)
    {
        _process = process;
        Id = process.Id;
        Stdout = process.StandardOutput.BaseStream;
        if (levelTagged)
        {
            // One entry per frame at the camera's keyframe rate, read by the session as each frame arrives: stays tiny.
            _frameTimes = Channel.CreateUnbounded<FrameTime>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        }

        _stderrDrain = DrainStderrAsync(process.StandardError);
    }

    /// <summary>
    /// Gets the frame times parsed from showinfo's lines (stderr started with <c>-loglevel level+info</c>), in frame order,
    /// or <see langword="null"/> when the process was started without level tags. Completed when stderr closes.
    /// </summary>
    public ChannelReader<FrameTime>? FrameTimes => _frameTimes?.Reader;

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
        ArgumentNullException.ThrowIfNull(arguments);

        // "-loglevel level+info" (keyframes mode): stderr lines carry their level, and showinfo's carry frame times.
        var levelTagged = false;
        for (var i = 0; i + 1 < arguments.Count; i++)
        {
            if (arguments[i] == "-loglevel" && arguments[i + 1].Contains("level+", StringComparison.Ordinal))
            {
                levelTagged = true;
            }
        }

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
            return new FfmpegProcess(process, levelTagged);
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
            while (await reader.ReadLineAsync() is { } read)
            {
                var line = read;
                if (_frameTimes is not null)
                {
                    if (TryParseFrameTime(line, out var time))
                    {
                        _frameTimes.Writer.TryWrite(time);
                        continue;
                    }

                    // Only errors explain an outage (what "-loglevel error" alone would have printed).
                    if (!TryStripErrorLevel(line, out line))
                    {
                        continue;
                    }
                }

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
        finally
        {
            _frameTimes?.Writer.TryComplete();
        }
    }

    /// <summary>Parses a showinfo frame line: <c>[Parsed_showinfo_N @ 0x…] [info] n:   3 pts: 3000 pts_time:3 …</c>.</summary>
    /// <param name="line">One stderr line.</param>
    /// <param name="time">The frame index and its stream time in seconds (NaN when the frame has no timestamp).</param>
    /// <returns><see langword="true"/> for a showinfo frame line.</returns>
    internal static bool TryParseFrameTime(string line, out FrameTime time)
    {
        time = default;
        var info = line.IndexOf("] [info] n:", StringComparison.Ordinal);
        if (info < 0 || !line.StartsWith("[Parsed_showinfo", StringComparison.Ordinal))
        {
            return false;
        }

        var rest = line.AsSpan(info + "] [info] n:".Length).TrimStart();
        var end = rest.IndexOf(' ');
        if (end <= 0 || !long.TryParse(rest[..end], NumberStyles.None, CultureInfo.InvariantCulture, out var index))
        {
            return false;
        }

        var seconds = double.NaN;
        var at = line.IndexOf("pts_time:", info, StringComparison.Ordinal);
        if (at >= 0)
        {
            var value = line.AsSpan(at + "pts_time:".Length);
            var stop = value.IndexOf(' ');
            value = stop < 0 ? value : value[..stop];
            if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out seconds) || !double.IsFinite(seconds))
            {
                seconds = double.NaN;
            }
        }

        time = new FrameTime(index, seconds);
        return true;
    }

    /// <summary>Keeps error-level lines of level-tagged output, without their <c>[error] </c> tag.</summary>
    /// <param name="line">One stderr line.</param>
    /// <param name="message">The line without the level tag.</param>
    /// <returns><see langword="true"/> when the line is an error (or worse).</returns>
    internal static bool TryStripErrorLevel(string line, out string message)
    {
        foreach (var tag in (ReadOnlySpan<string>)["[error] ", "[fatal] ", "[panic] "])
        {
            var at = line.IndexOf(tag, StringComparison.Ordinal);
            if (at >= 0)
            {
                message = string.Concat(line.AsSpan(0, at), line.AsSpan(at + tag.Length));
                return true;
            }
        }

        message = line;
        return false;
    }
}

/// <summary>One frame's place in the stream, as showinfo logged it.</summary>
/// <param name="Index">The frame's index in the session (showinfo's <c>n</c>), from 0.</param>
/// <param name="Seconds">The frame's stream timestamp in seconds, or NaN when it has none.</param>
internal readonly record struct FrameTime(long Index, double Seconds);
