// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Diagnostics;
using System.Globalization;

namespace PainStream.LoadTool;

/// <summary>
/// Makes the H.264 test clips the cameras play, once, under <c>data/bench/</c> (git-ignored): real motion from OpenCV's
/// <c>vtest.avi</c>, the astronaut's face moving across it, and light temporal noise so that, as with a real sensor, no two
/// frames are identical (a static or duplicated picture would make decoding unrealistically cheap).
/// </summary>
internal static class Clips
{
    /// <summary>Returns the clip for <paramref name="size"/>, making it first if needed.</summary>
    /// <param name="options">The tool's options.</param>
    /// <param name="size">The clip's resolution.</param>
    /// <param name="children">Registers the ffmpeg encoder, so Ctrl-C stops it.</param>
    /// <param name="cancellationToken">Stops the encode.</param>
    /// <returns>The clip's absolute path.</returns>
    public static async Task<string> EnsureAsync(LoadOptions options, SourceSize size, ChildProcesses children, CancellationToken cancellationToken)
    {
        var fixtures = Path.Combine(options.Repo, "data", "fixtures");
        var background = Path.Combine(fixtures, "vtest.avi");
        // Default: the demo clip's face (data/demo/demo.mp4: the astronaut framed as `painstream demo-clip` frames it, neutral
        // then grimacing), so BlazeFace front 128 finds it in every frame and landmarks, pose, quality, tracking and scoring
        // all run, as on a ward. --legacy-clip: the earlier clip (the whole photo at half height, whose face the short-range
        // detector does not find on the whole frame: it measured detection only).
        var face = options.LegacyClip ? Path.Combine(fixtures, "astronaut.png") : Path.Combine(options.Repo, "data", "demo", "demo.mp4");
        foreach (var f in new[] { background, face })
        {
            if (!File.Exists(f))
            {
                throw new FileNotFoundException($"{f} is missing: run scripts/setup (fixtures and the demo clip) first.", f);
            }
        }

        var seconds = options.ClipSeconds.ToString(CultureInfo.InvariantCulture);
        var dir = Path.Combine(options.Repo, "data", "bench");
        var gopFrames = (int)Math.Round(options.GopSeconds * 25);
        var gop = gopFrames.ToString(CultureInfo.InvariantCulture);

        // The 2 s GOP clips keep their earlier names, so clips made before --gop existed are reused.
        var suffix = (gopFrames == 50 ? string.Empty : "-gop" + gop) + (options.LegacyClip ? string.Empty : "-face");
        var clip = Path.Combine(dir, string.Create(CultureInfo.InvariantCulture, $"clip-{size}-{seconds}s{suffix}.mp4"));
        if (File.Exists(clip) && new FileInfo(clip).Length > 0)
        {
            return clip;
        }

        Directory.CreateDirectory(dir);
        var w = size.Width;
        var h = size.Height;

        // Camera-like bitrate for the resolution (about 0.1 bit per pixel per frame at 25 fps), closed GOPs (--gop, 2 s by
        // default), no B-frames.
        var kbps = Math.Max(300, (int)(w * h * 25 * 0.1 / 1000));
        // Face clip: a 300x300 window of the demo clip around the face (200 px wide at 640x360, scaled with the height)
        // slides across the walking people, about 40 px/s at 360p at its fastest; the noise after the overlay makes the
        // demo clip's repeated frames (10 fps shown at 25) differ like a sensor's.
        var filter = options.LegacyClip
            ? string.Create(
                CultureInfo.InvariantCulture,
                $"[0:v]fps=25,crop=768:432:0:72,scale={w}:{h},noise=alls=6:allf=t[bg];[1:v]scale=-2:{h / 2}[face];[bg][face]overlay=x='(W-w)*(0.5+0.4*sin(t/3))':y='H/4',format=yuv420p[out]")
            : string.Create(
                CultureInfo.InvariantCulture,
                $"[0:v]fps=25,crop=768:432:0:72,scale={w}:{h}[bg];[1:v]fps=25,crop=300:300:170:10,scale=-2:{h * 300 / 360}[face];[bg][face]overlay=x='(W-w)*(0.5+0.35*sin(t/3))':y='(H-h)/2',noise=alls=6:allf=t,format=yuv420p[out]");
        var tmp = clip + ".tmp.mp4";
        var info = new ProcessStartInfo(options.Ffmpeg)
        {
            UseShellExecute = false,
            RedirectStandardError = true,
            RedirectStandardInput = false,
        };
        string[] faceInput = options.LegacyClip ? ["-loop", "1", "-framerate", "25", "-i", face] : ["-i", face];
        string[] arguments =
        [
            "-hide_banner", "-loglevel", "error", "-nostdin", "-y",
            "-i", background, .. faceInput,
            "-filter_complex", filter, "-map", "[out]", "-t", seconds, "-an",
            "-c:v", "libx264", "-preset", "veryfast", "-profile:v", "high", "-bf", "0", "-g", gop, "-keyint_min", gop, "-sc_threshold", "0",
            "-b:v", $"{kbps}k", "-maxrate", $"{kbps}k", "-bufsize", $"{kbps * 2}k", "-movflags", "+faststart", tmp,
        ];
        foreach (var a in arguments)
        {
            info.ArgumentList.Add(a);
        }

        Console.WriteLine($"[load] making test clip {clip} ({size}, {seconds} s, 25 fps, GOP {gopFrames} frames, {kbps} kb/s)");
        using var ffmpeg = children.Start(info);
        var stderr = ffmpeg.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            await ffmpeg.WaitForExitAsync(cancellationToken);
        }
        finally
        {
            await children.StopAsync(ffmpeg, graceful: false, TimeSpan.Zero);
        }

        if (ffmpeg.ExitCode != 0)
        {
            throw new InvalidOperationException($"ffmpeg could not make {clip} (exit {ffmpeg.ExitCode}): {await stderr}");
        }

        File.Move(tmp, clip, overwrite: true);
        return clip;
    }
}
