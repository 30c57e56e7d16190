// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.ComponentModel;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace PainStream.Tools.Synthesis;

/// <summary>
/// An ffmpeg child process that encodes packed BGR24 frames written to its stdin as H.264 in an MP4 file.
/// </summary>
/// <remarks>
/// Sole owner of the <see cref="Process"/>. Stderr is drained continuously (a full pipe would block ffmpeg and then us) into a
/// small ring of its last lines, which failures quote. <see cref="DisposeAsync"/> kills a process that is still running and
/// reaps it; it is idempotent. Not thread-safe: one writer.
/// </remarks>
internal sealed class RawVideoEncoder : IAsyncDisposable
{
    private const int StderrLines = 12;

    private readonly Process _process;
    private readonly Stream _stdin;
    private readonly Queue<string> _stderr = new(StderrLines);
    private readonly Task _stderrDrain;
    private int _disposed;

    private RawVideoEncoder(Process process)
    {
        _process = process;
        _stdin = process.StandardInput.BaseStream;
        _stderrDrain = DrainStderrAsync(process.StandardError);
    }

    /// <summary>Builds ffmpeg's arguments: rawvideo BGR24 on stdin → libx264 yuv420p, veryfast, faststart MP4.</summary>
    /// <param name="width">Frame width.</param>
    /// <param name="height">Frame height.</param>
    /// <param name="fps">Frame rate.</param>
    /// <param name="outputPath">The MP4 file to write (overwritten).</param>
    /// <returns>argv after the executable.</returns>
    public static IReadOnlyList<string> Arguments(int width, int height, int fps, string outputPath)
    {
        var size = string.Create(CultureInfo.InvariantCulture, $"{width}x{height}");
        var rate = fps.ToString(CultureInfo.InvariantCulture);

        // A key frame every 2 s: the daemon plays the clip in a loop and a camera-like GOP keeps seeking cheap.
        var gop = (2 * fps).ToString(CultureInfo.InvariantCulture);
        return
        [
            "-hide_banner", "-loglevel", "error", "-y",
            "-f", "rawvideo", "-pix_fmt", "bgr24", "-s", size, "-r", rate, "-i", "-",
            "-an", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-preset", "veryfast", "-g", gop,
            "-movflags", "+faststart", "-f", "mp4", outputPath,
        ];
    }

    /// <summary>Starts ffmpeg.</summary>
    /// <param name="executable">The ffmpeg executable.</param>
    /// <param name="arguments">argv after the executable (see <see cref="Arguments"/>); passed without a shell.</param>
    /// <returns>The running encoder.</returns>
    /// <exception cref="Win32Exception">The executable could not be started.</exception>
    public static RawVideoEncoder Start(string executable, IReadOnlyList<string> arguments)
    {
        var info = new ProcessStartInfo(executable)
        {
            UseShellExecute = false,
            CreateNoWindow = true,
            RedirectStandardInput = true,
            RedirectStandardOutput = false,
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
            return new RawVideoEncoder(process);
        }
        catch
        {
            process.Dispose();
            throw;
        }
    }

    /// <summary>Writes one frame.</summary>
    /// <param name="frame">Exactly one packed BGR24 frame.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes when ffmpeg has taken the bytes.</returns>
    /// <exception cref="IOException">ffmpeg has exited (its pipe is closed).</exception>
    public ValueTask WriteFrameAsync(ReadOnlyMemory<byte> frame, CancellationToken cancellationToken) =>
        _stdin.WriteAsync(frame, cancellationToken);

    /// <summary>Closes ffmpeg's input and waits for it to finish the file.</summary>
    /// <param name="cancellationToken">Cancels the wait (the process is then killed on dispose).</param>
    /// <returns>The exit code.</returns>
    public async Task<int> CompleteAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _stdin.FlushAsync(cancellationToken);
            await _stdin.DisposeAsync();
        }
        catch (IOException)
        {
            // By design: ffmpeg already exited and closed the pipe; its exit code and stderr say why.
        }

        await _process.WaitForExitAsync(cancellationToken);
        await WaitForStderrAsync();
        return _process.ExitCode;
    }

    /// <summary>Waits for ffmpeg to exit after a failed write, and returns its exit code (or null if it is still running).</summary>
    /// <returns>The exit code, or <see langword="null"/>.</returns>
    public async Task<int?> ExitCodeAfterFailureAsync()
    {
        using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            await _process.WaitForExitAsync(grace.Token);
        }
        catch (OperationCanceledException)
        {
            return null;
        }

        await WaitForStderrAsync();
        return _process.ExitCode;
    }

    /// <summary>Gets the last lines ffmpeg wrote on stderr, joined.</summary>
    /// <returns>The lines, or an empty string.</returns>
    public string LastErrorLines()
    {
        lock (_stderr)
        {
            return string.Join(Environment.NewLine, _stderr);
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or Win32Exception or NotSupportedException)
        {
            // By design: the process has already exited; nothing is left to kill.
        }

        try
        {
            await _stdin.DisposeAsync();
        }
        catch (IOException)
        {
            // By design: the pipe is already broken because ffmpeg is gone.
        }

        // Reaps the child, so no zombie is left behind.
        await _process.WaitForExitAsync(CancellationToken.None);
        await WaitForStderrAsync();
        _process.Dispose();
    }

    [SuppressMessage("Usage", "VSTHRD003:Avoid awaiting foreign Tasks", Justification = "No SynchronizationContext; the task was started by this instance.")]
    private async Task WaitForStderrAsync()
    {
        try
        {
            await _stderrDrain.WaitAsync(TimeSpan.FromSeconds(1));
        }
        catch (TimeoutException)
        {
            // By design: a grandchild may hold the pipe; the lines read so far are enough.
        }
    }

    private async Task DrainStderrAsync(StreamReader stderr)
    {
        try
        {
            while (await stderr.ReadLineAsync() is { } line)
            {
                lock (_stderr)
                {
                    if (_stderr.Count == StderrLines)
                    {
                        _stderr.Dequeue();
                    }

                    _stderr.Enqueue(line);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            // By design: the pipe closes when the process is killed or disposed.
        }
    }
}
