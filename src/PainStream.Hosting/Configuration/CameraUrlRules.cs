// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Diagnostics;
using System.Globalization;
using PainStream.Core.Cameras;
using PainStream.Core.Options;

namespace PainStream.Hosting.Configuration;

/// <summary>
/// Camera URLs that capture would retry for ever are refused up front: the same forms capture accepts
/// (<c>PainStream.Capture.FFmpeg.FfmpegInput</c>), checked before any process starts.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><c>rtsp://</c> or <c>rtsps://</c> with a host (and a port in range, if any);</item>
/// <item>a video file: a path, <c>file:</c> + path or <c>file://</c> + absolute path, which must exist and be readable
/// (relative paths resolve against the daemon's working directory, as capture resolves them);</item>
/// <item><c>lavfi:</c> + an ffmpeg source filter graph, which must be non-empty with balanced brackets and quotes; the
/// <c>check-config</c> verb also asks ffmpeg to open it (<see cref="ProbeLavfi"/>).</item>
/// </list>
/// Any other scheme (<c>http://</c>, <c>ftp://</c>, <c>rtmp://</c>…) is refused. Messages never echo credentials: URLs
/// are shown through <see cref="CameraSettings.Redact"/>.
/// </remarks>
internal static class CameraUrlRules
{
    private const string LavfiPrefix = "lavfi:";
    private const string FilePrefix = "file:";

    /// <summary>Checks every camera's URL.</summary>
    /// <param name="cameras">The cameras.</param>
    /// <returns>One problem per bad URL, as <c>Cameras:NAME:Url: reason</c>.</returns>
    public static IReadOnlyList<string> Check(CamerasOptions cameras)
    {
        ArgumentNullException.ThrowIfNull(cameras);
        var problems = new List<string>();
        foreach (var (id, camera) in cameras)
        {
            if (camera is null || string.IsNullOrWhiteSpace(camera.Url))
            {
                continue; // The validators already say the URL is required.
            }

            if (CheckUrl(camera.Url) is { } problem)
            {
                problems.Add($"{CamerasOptions.SectionName}:{id}:Url: {problem}");
            }
        }

        return problems;
    }

    /// <summary>Checks one URL.</summary>
    /// <param name="url">The URL (may hold credentials).</param>
    /// <returns>Why capture could not read it, or <see langword="null"/>.</returns>
    public static string? CheckUrl(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        var trimmed = url.Trim();
        if (trimmed.StartsWith(LavfiPrefix, StringComparison.OrdinalIgnoreCase))
        {
            return CheckGraph(trimmed[LavfiPrefix.Length..]);
        }

        var schemeEnd = trimmed.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd > 0)
        {
            var scheme = trimmed[..schemeEnd].ToLowerInvariant();
            if (scheme is "rtsp" or "rtsps")
            {
                if (!Uri.TryCreate(trimmed, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
                {
                    return $"an {scheme}:// URL needs a host, as in {scheme}://192.0.2.10:554/stream1 (got {CameraSettings.Redact(trimmed)})";
                }

                return null;
            }

            if (scheme is "file")
            {
                return CheckFile(Uri.TryCreate(trimmed, UriKind.Absolute, out var fileUri) ? fileUri.LocalPath : trimmed[(schemeEnd + 3)..]);
            }

            return $"unsupported URL scheme '{scheme}://' (use rtsp://, rtsps://, a video file path, file: or lavfi:): {CameraSettings.Redact(trimmed)}";
        }

        return CheckFile(trimmed.StartsWith(FilePrefix, StringComparison.OrdinalIgnoreCase) ? trimmed[FilePrefix.Length..] : trimmed);
    }

    /// <summary>Asks ffmpeg to open a <c>lavfi:</c> graph and decode one frame (the <c>check-config</c> verb).</summary>
    /// <param name="ffmpeg">The ffmpeg executable.</param>
    /// <param name="graph">The graph, without the <c>lavfi:</c> prefix.</param>
    /// <param name="timeout">How long ffmpeg may take.</param>
    /// <returns>ffmpeg's complaint, or <see langword="null"/> when the graph produced a frame.</returns>
    public static string? ProbeLavfi(string ffmpeg, string graph, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(ffmpeg) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in new[] { "-nostdin", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", graph, "-frames:v", "1", "-f", "null", "-" })
        {
            info.ArgumentList.Add(arg);
        }

        try
        {
            using var process = Process.Start(info);
            if (process is null)
            {
                return $"could not start '{ffmpeg}' to check the lavfi graph";
            }

            var errors = process.StandardError.ReadToEndAsync();
            _ = process.StandardOutput.ReadToEndAsync();
            if (!process.WaitForExit(timeout))
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
                return string.Create(CultureInfo.InvariantCulture, $"ffmpeg did not produce a frame from the lavfi graph within {timeout.TotalSeconds:0} s");
            }

            process.WaitForExit();
#pragma warning disable VSTHRD002 // The process has exited: its stderr is complete.
            var message = errors.GetAwaiter().GetResult().Trim();
#pragma warning restore VSTHRD002
            return process.ExitCode == 0 ? null : $"ffmpeg cannot open the lavfi graph: {(message.Length > 0 ? message.ReplaceLineEndings(" ") : $"exit code {process.ExitCode}")}";
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return $"could not start '{ffmpeg}' to check the lavfi graph: {ex.Message}";
        }
    }

    private static string? CheckGraph(string graph)
    {
        if (string.IsNullOrWhiteSpace(graph))
        {
            return "empty lavfi: filter graph (e.g. lavfi:testsrc2=size=640x360:rate=5)";
        }

        var depth = 0;
        var quoted = false;
        for (var i = 0; i < graph.Length; i++)
        {
            var c = graph[i];
            if (c == '\\')
            {
                i++;
            }
            else if (c == '\'')
            {
                quoted = !quoted;
            }
            else if (!quoted && c == '[')
            {
                depth++;
            }
            else if (!quoted && c == ']' && --depth < 0)
            {
                return "the lavfi: filter graph has a ']' without its '['";
            }
        }

        if (quoted)
        {
            return "the lavfi: filter graph has an unclosed quote (')";
        }

        return depth != 0 ? "the lavfi: filter graph has a '[' without its ']'" : null;
    }

    private static string? CheckFile(string path)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            return "empty file path";
        }

        string full;
        try
        {
            full = Path.GetFullPath(path);
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
        {
            return $"not a valid file path: {ex.Message}";
        }

        if (path.Contains('@', StringComparison.Ordinal) && !File.Exists(full))
        {
            // "user:secret@10.0.0.5/stream" without its scheme: never echo it.
            return "no such file, and the value looks like a camera address without its rtsp:// scheme (not shown: it may hold credentials)";
        }

        if (Directory.Exists(full))
        {
            return $"'{full}' is a directory, not a video file";
        }

        if (!File.Exists(full))
        {
            return $"no such file '{full}' (a camera is rtsp://, rtsps://, an existing video file, file: or lavfi:)";
        }

        try
        {
            using var stream = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1);
            return null;
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            return $"the file '{full}' cannot be read: {ex.Message}";
        }
    }
}
