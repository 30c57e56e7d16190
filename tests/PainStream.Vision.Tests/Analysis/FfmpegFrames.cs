// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Diagnostics;
using System.Globalization;

namespace PainStream.Vision.Tests.Analysis;

/// <summary>Frames made by a real ffmpeg at test time: a <c>lavfi</c> source graph or a file, scaled to BGR24 frames.</summary>
internal static class FfmpegFrames
{
    /// <summary>Runs ffmpeg and hands each of up to <paramref name="count"/> frames to <paramref name="onFrame"/>.</summary>
    /// <param name="input">ffmpeg input arguments, e.g. <c>-f lavfi -i mandelbrot=s=640x360:rate=1</c> (split on spaces).</param>
    /// <param name="count">The most frames to read.</param>
    /// <param name="width">Output width.</param>
    /// <param name="height">Output height.</param>
    /// <param name="onFrame">Receives each frame (a packed BGR24 buffer reused for the next frame).</param>
    /// <returns>The number of frames read.</returns>
    public static async Task<int> ReadAsync(string input, int count, int width, int height, Action<TestImage> onFrame)
    {
        var info = new ProcessStartInfo("ffmpeg")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        string[] head = ["-nostdin", "-loglevel", "error"];
        string[] tail = ["-frames:v", count.ToString(CultureInfo.InvariantCulture), "-vf", $"scale={width}:{height}:force_original_aspect_ratio=decrease,pad={width}:{height}:(ow-iw)/2:(oh-ih)/2", "-pix_fmt", "bgr24", "-f", "rawvideo", "pipe:1"];
        foreach (var arg in head.Concat(input.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Concat(tail))
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException("ffmpeg did not start");
        var errors = process.StandardError.ReadToEndAsync();
        var stream = process.StandardOutput.BaseStream;
        var buffer = new byte[width * height * 3];
        var image = TestImage.FromBytes(buffer, width, height);
        var frames = 0;
        while (frames < count)
        {
            var read = 0;
            while (read < buffer.Length)
            {
                var got = await stream.ReadAsync(buffer.AsMemory(read));
                if (got == 0)
                {
                    break;
                }

                read += got;
            }

            if (read < buffer.Length)
            {
                break;
            }

            frames++;
            onFrame(image);
        }

        await process.WaitForExitAsync();
        var message = await errors;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"ffmpeg {input} exited with {process.ExitCode}: {message}");
        }

        return frames;
    }
}
