// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.IO.Pipes;
using System.Runtime.InteropServices;

namespace PainStream.Capture.FFmpeg;

/// <summary>
/// Grows the kernel buffer of ffmpeg's stdout pipe (Linux <c>F_SETPIPE_SZ</c>). A raw 640×360 BGR frame is 691 KB; with
/// the default 64 KiB pipe ffmpeg's one write per frame reaches the daemon as about eleven wake-ups and thread-pool
/// continuations, which profiles of the daemon showed as most of its kernel time. With 1 MiB (the unprivileged limit,
/// <c>/proc/sys/fs/pipe-max-size</c>) a frame arrives in one or two reads. Best effort: on failure the pipe stays as it was.
/// </summary>
internal static partial class PipeBuffer
{
    /// <summary>The size asked for: Linux's default <c>pipe-max-size</c>.</summary>
    public const int DesiredBytes = 1 << 20;

    private const int SetPipeSize = 1031; // F_SETPIPE_SZ
    private const int GetPipeSize = 1032; // F_GETPIPE_SZ

    /// <summary>Asks for a <see cref="DesiredBytes"/> buffer on <paramref name="stream"/>'s pipe.</summary>
    /// <param name="stream">ffmpeg's stdout.</param>
    /// <returns>The pipe's buffer size afterwards in bytes, or -1 when the stream is not a pipe or the call is not available.</returns>
    public static int TryGrow(Stream stream)
    {
        if (!OperatingSystem.IsLinux() || stream is not PipeStream pipe)
        {
            return -1;
        }

        try
        {
            var fd = (int)pipe.SafePipeHandle.DangerousGetHandle();
            _ = Fcntl(fd, SetPipeSize, DesiredBytes);
            return Fcntl(fd, GetPipeSize, 0);
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException or ObjectDisposedException)
        {
            return -1;
        }
    }

    /// <summary>The pipe's buffer size in bytes, or -1 (for tests and diagnostics).</summary>
    /// <param name="stream">A pipe stream.</param>
    /// <returns>The size, or -1.</returns>
    public static int SizeOf(Stream stream) =>
        OperatingSystem.IsLinux() && stream is PipeStream pipe ? Fcntl((int)pipe.SafePipeHandle.DangerousGetHandle(), GetPipeSize, 0) : -1;

    // fcntl is variadic in C; its third argument is an int for these two commands, which the x86-64 and arm64 calling
    // conventions pass as for a fixed int parameter.
    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static partial int Fcntl(int fd, int command, int argument);
}
