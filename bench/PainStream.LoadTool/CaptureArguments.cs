// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Globalization;

namespace PainStream.LoadTool;

/// <summary>
/// The ffmpeg command line of one camera playing a local file, identical to the daemon's capture arguments so that the
/// decode-only scenario is the physical floor of the pipeline's cost (DESIGN.md §9).
/// </summary>
/// <remarks>
/// Mirrors <c>FfmpegInput.BuildArguments</c> in PainStream.Capture.FFmpeg for a file input: note that <c>-threads 1</c> comes
/// before <c>-i</c>, where it limits the decoder (after <c>-i</c> it would only apply to the rawvideo encoder and the decoder
/// would use one thread per core).
/// </remarks>
internal static class CaptureArguments
{
    /// <summary>Builds the arguments.</summary>
    /// <param name="file">The clip.</param>
    /// <param name="fps">Analysed frames per second (all-frames mode).</param>
    /// <param name="analysis">The analysis size.</param>
    /// <param name="keyframes">Key frames only, each once with showinfo's timestamp line (the daemon's keyframes mode).</param>
    /// <param name="pixelFormat">The output pixel format (the daemon reads bgr24; others only in the decode-only scenario).</param>
    /// <returns>The arguments, one per element.</returns>
    public static IReadOnlyList<string> For(string file, double fps, SourceSize analysis, bool keyframes = false, string pixelFormat = "bgr24")
    {
        var w = analysis.Width.ToString(CultureInfo.InvariantCulture);
        var h = analysis.Height.ToString(CultureInfo.InvariantCulture);
        var scale = $"scale={w}:{h}:force_original_aspect_ratio=decrease,pad={w}:{h}:(ow-iw)/2:(oh-ih)/2";
        if (keyframes)
        {
            return
            [
                "-nostdin", "-hide_banner", "-loglevel", "level+info", "-nostats",
                "-re", "-stream_loop", "-1",
                "-skip_frame", "nokey",
                "-threads", "1", "-i", file,
                "-an", "-sn", "-dn",
                "-vf", scale + ",showinfo", "-fps_mode", "passthrough",
                "-pix_fmt", pixelFormat, "-f", "rawvideo", "pipe:1",
            ];
        }

        var vf = string.Create(CultureInfo.InvariantCulture, $"fps={fps:0.###},") + scale;
        return
        [
            "-nostdin", "-hide_banner", "-loglevel", "error",
            "-re", "-stream_loop", "-1",
            "-threads", "1", "-i", file,
            "-an", "-sn", "-dn",
            "-vf", vf,
            "-pix_fmt", pixelFormat, "-f", "rawvideo", "pipe:1",
        ];
    }
}
