// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Diagnostics;
using System.Globalization;
using PainStream.Testing;

namespace PainStream.IntegrationTests;

/// <summary>
/// A short four-bed ward clip (1920×1080) made once per test class by the daemon's own <c>demo-clip --scene ward</c>, from
/// the fixtures <c>scripts/setup</c> uses: bed-1 the astronaut grimacing (neutral <see cref="NeutralSeconds"/>, ramp, grimace
/// <see cref="GrimaceSeconds"/>, ramp, neutral <see cref="TrailingSeconds"/>), bed-2 messi5, bed-3 and bed-4 two frames of
/// Megamind.avi, neutral, each turning the head twice (15–25°) and closing the eyes twice (1–2 s) after the first 13 s.
/// </summary>
public sealed class WardClip : IAsyncLifetime
{
    /// <summary>Seconds of neutral face before the grimace.</summary>
    public const int NeutralSeconds = 14;

    /// <summary>Seconds of each ramp.</summary>
    public const int RampSeconds = 1;

    /// <summary>Seconds the full grimace is held.</summary>
    public const int GrimaceSeconds = 10;

    /// <summary>Seconds of neutral face after the grimace.</summary>
    public const int TrailingSeconds = 16;

    /// <summary>The clip's length in seconds.</summary>
    public const int Seconds = NeutralSeconds + RampSeconds + GrimaceSeconds + RampSeconds + TrailingSeconds;

    /// <summary>The beds, in the order of <c>demo-clip</c>'s default layout (<c>config/ward.json</c>'s).</summary>
    public static readonly string[] Beds = ["bed-1", "bed-2", "bed-3", "bed-4"];

    private readonly TempDirectory _directory = new("painstream-ward-");

    /// <summary>Gets the clip (H.264 MP4, 10 fps).</summary>
    public string Path => _directory.File("ward.mp4");

    /// <summary>Gets the clip played twice in one file (the RTSP server plays a file once per session: a second loop by
    /// reconnecting would take the camera offline between the loops).</summary>
    public string TwoLoops => _directory.File("ward-twice.mp4");

    /// <summary>Gets what <c>demo-clip</c> printed (the beds' face sizes).</summary>
    public string Output { get; private set; } = string.Empty;

    /// <inheritdoc/>
    public async ValueTask InitializeAsync()
    {
        var faces = new List<string>();
        foreach (var frame in new[] { 160, 200 })
        {
            var png = _directory.File($"megamind-{frame}.png");
            await RunFfmpegAsync("-nostdin", "-loglevel", "error", "-y", "-i", TestPaths.Fixture("Megamind.avi"), "-vf", $"select=eq(n\\,{frame})", "-fps_mode", "passthrough", "-frames:v", "1", png);
            faces.Add(png);
        }

        var (code, output) = await DaemonProcess.RunCliAsync(
            "demo-clip",
            "--scene", "ward",
            "--face", TestPaths.Fixture("astronaut.png"),
            "--other-face", TestPaths.Fixture("messi5.jpg"),
            "--other-face", faces[0],
            "--other-face", faces[1],
            "--seed", "12",
            "--out", Path,
            "--models", TestPaths.Models,
            "--neutral-seconds", NeutralSeconds.ToString(CultureInfo.InvariantCulture),
            "--ramp-seconds", RampSeconds.ToString(CultureInfo.InvariantCulture),
            "--grimace-seconds", GrimaceSeconds.ToString(CultureInfo.InvariantCulture),
            "--trailing-seconds", TrailingSeconds.ToString(CultureInfo.InvariantCulture));
        Assert.True(code == 0 && File.Exists(Path), $"demo-clip --scene ward exited {code}:\n{output}");
        Output = output;
        await RunFfmpegAsync("-nostdin", "-loglevel", "error", "-y", "-stream_loop", "1", "-i", Path, "-c", "copy", TwoLoops);
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync()
    {
        _directory.Dispose();
        return ValueTask.CompletedTask;
    }

    private static async Task RunFfmpegAsync(params string[] arguments)
    {
        var ffmpeg = new ProcessStartInfo("ffmpeg") { RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            ffmpeg.ArgumentList.Add(argument);
        }

        using var process = Process.Start(ffmpeg)!;
        var errors = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"ffmpeg exited {process.ExitCode}: {errors}");
    }
}
