// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Diagnostics;
using System.Globalization;

namespace PainStream.Testing;

/// <summary>
/// Composes a four-bed 1920×1080 ward scene with ffmpeg from the astronaut fixture face: one face in each quadrant (one
/// bed each), at a chosen size, on a plain background. bench/crops/run builds the same scene for the benchmark.
/// </summary>
public static class WardScene
{
    /// <summary>The astronaut's inter-ocular distance in the fixture at its own size (measured with <c>painstream score</c>).</summary>
    public const double AstronautInterOcularPixels = 60.5;

    /// <summary>Where each quadrant's face is put (top-left of its 240×260 head crop, scaled), in scene pixels.</summary>
    private static readonly (int X, int Y)[] Positions = [(360, 140), (1320, 120), (300, 640), (1350, 660)];

    /// <summary>Writes the scene to <paramref name="path"/> (H.264 MP4, 1920×1080, <paramref name="fps"/> fps).</summary>
    /// <param name="path">The clip to write.</param>
    /// <param name="interOcular">The inter-ocular distance of each of the four faces at 1920×1080, in pixels.</param>
    /// <param name="seconds">The clip's length.</param>
    /// <param name="fps">The frame rate.</param>
    /// <param name="cancellationToken">Stops ffmpeg.</param>
    /// <returns>A task that ends when the clip is written.</returns>
    public static async Task ComposeAsync(string path, IReadOnlyList<double> interOcular, double seconds, int fps, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(interOcular);
        ArgumentOutOfRangeException.ThrowIfNotEqual(interOcular.Count, Positions.Length);
        var c = CultureInfo.InvariantCulture;
        var graph = "[1:v]crop=240:260:110:10,split=4[f0][f1][f2][f3];";
        for (var i = 0; i < 4; i++)
        {
            // Every other face mirrored, so that the four are not one picture repeated.
            var width = 2 * (int)Math.Round(240 * interOcular[i] / AstronautInterOcularPixels / 2);
            graph += string.Create(c, $"[f{i}]scale={width}:-2{(i % 2 == 1 ? ",hflip" : string.Empty)}[s{i}];");
        }

        graph += string.Create(c, $"[0:v][s0]overlay={Positions[0].X}:{Positions[0].Y}:shortest=1[o0];");
        for (var i = 1; i < 4; i++)
        {
            graph += string.Create(c, $"[o{i - 1}][s{i}]overlay={Positions[i].X}:{Positions[i].Y}{(i == 3 ? ",format=yuv420p" : $"[o{i}];")}");
        }

        var start = new ProcessStartInfo("ffmpeg") { RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in (string[])[
            "-nostdin", "-v", "error", "-y",
            "-f", "lavfi", "-i", string.Create(c, $"color=c=0x46505a:s=1920x1080:r={fps}:d={seconds}"),
            "-loop", "1", "-i", TestPaths.Fixture("astronaut.png"),
            "-filter_complex", graph, "-t", seconds.ToString(c), "-r", fps.ToString(c),
            "-c:v", "libx264", "-preset", "veryfast", "-g", fps.ToString(c), path])
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start ffmpeg");
        var stderr = await process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"ffmpeg could not compose the ward scene (exit {process.ExitCode}): {stderr}");
        }
    }
}
