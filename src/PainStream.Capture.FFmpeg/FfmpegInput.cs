// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using PainStream.Core.Cameras;
using PainStream.Core.Frames;
using PainStream.Core.Options;

namespace PainStream.Capture.FFmpeg;

/// <summary>The kinds of camera source ffmpeg is asked to read.</summary>
internal enum FfmpegInputKind
{
    /// <summary>A live RTSP stream (<c>rtsp://</c> or <c>rtsps://</c>), read over TCP interleaved.</summary>
    Rtsp,

    /// <summary>A local video file (a path, or <c>file:</c> + path), played in real time and looped.</summary>
    File,

    /// <summary>An ffmpeg filter-graph source (<c>lavfi:</c> + graph), played in real time (tests and demos).</summary>
    Lavfi,
}

/// <summary>
/// A camera URL classified and checked before any process is started, and the ffmpeg command line that reads it.
/// </summary>
/// <remarks>
/// Classification is pure except for the file-existence check, which is repeated on every session so that a clip that
/// appears later is picked up by the next retry.
/// </remarks>
/// <param name="Kind">What the URL names.</param>
/// <param name="Target">What ffmpeg is given after <c>-i</c>: the URL, <c>file:</c> + full path, or the filter graph.</param>
internal sealed record FfmpegInput(FfmpegInputKind Kind, string Target)
{
    private const string FilePrefix = "file:";
    private const string LavfiPrefix = "lavfi:";

    /// <summary>Classifies <paramref name="url"/>; on failure <paramref name="error"/> says why, without credentials.</summary>
    /// <param name="url">The configured camera URL (may contain credentials).</param>
    /// <param name="input">The classified input.</param>
    /// <param name="error">Why the URL cannot be read.</param>
    /// <returns><see langword="true"/> when ffmpeg can be started for the URL.</returns>
    public static bool TryParse(string url, [NotNullWhen(true)] out FfmpegInput? input, [NotNullWhen(false)] out string? error)
    {
        input = null;
        error = null;
        if (string.IsNullOrWhiteSpace(url))
        {
            error = "empty camera URL";
            return false;
        }

        var trimmed = url.Trim();
        if (trimmed.StartsWith(LavfiPrefix, StringComparison.OrdinalIgnoreCase))
        {
            var graph = trimmed[LavfiPrefix.Length..];
            if (string.IsNullOrWhiteSpace(graph))
            {
                error = "empty lavfi filter graph";
                return false;
            }

            input = new FfmpegInput(FfmpegInputKind.Lavfi, graph);
            return true;
        }

        var schemeEnd = trimmed.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd > 0)
        {
            var scheme = trimmed[..schemeEnd].ToLowerInvariant();
            if (scheme is "rtsp" or "rtsps")
            {
                if (!Uri.TryCreate(trimmed, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
                {
                    error = "malformed RTSP URL (no host): " + CameraSettings.Redact(trimmed);
                    return false;
                }

                input = new FfmpegInput(FfmpegInputKind.Rtsp, trimmed);
                return true;
            }

            if (scheme is "file")
            {
                return TryFile(Uri.TryCreate(trimmed, UriKind.Absolute, out var fileUri) ? fileUri.LocalPath : trimmed[(schemeEnd + 3)..], out input, out error);
            }

            error = "unsupported URL scheme '" + scheme + "' (use rtsp://, a file path, file: or lavfi:): " + CameraSettings.Redact(trimmed);
            return false;
        }

        if (trimmed.StartsWith(FilePrefix, StringComparison.OrdinalIgnoreCase))
        {
            return TryFile(trimmed[FilePrefix.Length..], out input, out error);
        }

        return TryFile(trimmed, out input, out error);
    }

    /// <summary>Builds ffmpeg's arguments (no shell: each element is one argv entry, so URLs need no quoting).</summary>
    /// <param name="settings">The camera.</param>
    /// <param name="options">Process-wide capture options.</param>
    /// <returns>The argument list, without the executable.</returns>
    public IReadOnlyList<string> BuildArguments(CameraSettings settings, CaptureOptions options)
    {
        var w = settings.Width.ToString(CultureInfo.InvariantCulture);
        var h = settings.Height.ToString(CultureInfo.InvariantCulture);
        var fps = settings.Fps.ToString("0.###", CultureInfo.InvariantCulture);
        var keyframes = settings.DecodeMode == DecodeMode.Keyframes;

        // Keyframes mode reads each frame's stream timestamp from showinfo, which logs at info level: every line is then
        // tagged with its level so that FfmpegProcess keeps only errors for the offline reason (as -loglevel error does).
        var args = new List<string>(36) { "-nostdin", "-hide_banner", "-loglevel", keyframes ? "level+info" : "error" };
        if (keyframes)
        {
            args.Add("-nostats");
        }

        switch (Kind)
        {
            case FfmpegInputKind.Rtsp:
                var timeoutMicroseconds = (long)Math.Round(options.RtspTimeoutSeconds * 1_000_000);
                // -fpsprobesize 0: ffmpeg would otherwise read about 20 frames (2 s at 10 fps) to guess a frame rate nothing
                // here uses (the fps filter and passthrough timing work on timestamps), delaying every (re)connection's first
                // frame: measured 3.2 s → 1.1 s against the test RTSP server. Codec parameters are still probed.
                args.AddRange(["-rtsp_transport", "tcp", "-timeout", timeoutMicroseconds.ToString(CultureInfo.InvariantCulture), "-fpsprobesize", "0"]);
                break;
            case FfmpegInputKind.File:
                args.AddRange(["-re", "-stream_loop", "-1"]);
                break;
            case FfmpegInputKind.Lavfi:
                args.AddRange(["-re", "-f", "lavfi"]);
                break;
        }

        if (keyframes)
        {
            // A decoder option (before -i): non-key frames are not decoded at all, which is where the CPU goes.
            args.AddRange(["-skip_frame", "nokey"]);
        }
        // Capture:HardwareDecode (issue 16): -hwaccel before -i, nothing when the device is missing (software fallback).
        args.AddRange(HardwareDecode.Arguments(options.HardwareDecode, System.IO.File.Exists, out _));

        // Before -i, -threads sets the decoder's threads (1 is the most CPU-efficient per stream with many cameras).
        args.AddRange(["-threads", options.DecoderThreads.ToString(CultureInfo.InvariantCulture), "-i", Target]);
        var scale = $"scale={w}:{h}:force_original_aspect_ratio=decrease,pad={w}:{h}:(ow-iw)/2:(oh-ih)/2";
        args.AddRange(["-an", "-sn", "-dn"]);
        if (keyframes)
        {
            // No fps filter (it would duplicate each key frame up to the output rate) and passthrough timing (no duplicates or
            // drops by the muxer): every decoded key frame comes out exactly once. showinfo, after the scaler so that its
            // checksums cost little, logs "n:<index> … pts_time:<seconds>" for each frame before it is written to stdout.
            args.AddRange(["-vf", scale + ",showinfo", "-fps_mode", "passthrough"]);
        }
        else
        {
            args.AddRange(["-vf", $"fps={fps}," + scale]);
        }

        // Capture:PixelFormat (issue 14 item 3): yuv420p is what H.264 decodes to, so ffmpeg converts no colour at all.
        args.AddRange(["-pix_fmt", FramePixelFormats.FfmpegName(options.PixelFormat), "-f", "rawvideo", "pipe:1"]);
        return args;
    }

    private static bool TryFile(string path, [NotNullWhen(true)] out FfmpegInput? input, [NotNullWhen(false)] out string? error)
    {
        input = null;
        error = null;
        if (string.IsNullOrWhiteSpace(path))
        {
            error = "empty file path";
            return false;
        }

        string full;
        try
        {
            full = Path.GetFullPath(path);
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
        {
            error = "invalid file path '" + path + "': " + ex.Message;
            return false;
        }

        if (!System.IO.File.Exists(full))
        {
            error = "file not found: " + full;
            return false;
        }

        // file: stops ffmpeg from reading a colon in the name as a protocol prefix.
        input = new FfmpegInput(FfmpegInputKind.File, FilePrefix + full);
        return true;
    }
}
