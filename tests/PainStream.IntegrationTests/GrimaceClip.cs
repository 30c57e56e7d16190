// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Diagnostics;
using System.Globalization;
using PainStream.Testing;

namespace PainStream.IntegrationTests;

/// <summary>
/// A short pain clip made once per test class by the daemon's own <c>demo-clip</c> verb from the astronaut fixture: a
/// real face, neutral for <see cref="NeutralSeconds"/>, ramped over <see cref="RampSeconds"/> into a grimace (brow
/// lowered, eyes narrowed then closed, upper lip raised) held for <see cref="GrimaceSeconds"/>, then back to neutral.
/// </summary>
public sealed class GrimaceClip : IAsyncLifetime
{
    /// <summary>Seconds of neutral face before and after the grimace.</summary>
    public const int NeutralSeconds = 14;

    /// <summary>Seconds of each ramp.</summary>
    public const int RampSeconds = 1;

    /// <summary>Seconds the full grimace is held.</summary>
    public const int GrimaceSeconds = 10;

    private readonly TempDirectory _directory = new("painstream-clip-");

    /// <summary>Gets the clip (640x360, 10 fps, H.264 MP4).</summary>
    public string Path => _directory.File("grimace.mp4");

    /// <summary>Gets the clip's first frame (the neutral face, same size and framing) as a PNG.</summary>
    public string NeutralFrame => _directory.File("neutral.png");

    /// <summary>Gets a frame from the first quarter of the full grimace (eyes narrowed, not yet closed) as a PNG.</summary>
    public string GrimaceFrame => _directory.File("grimace.png");

    /// <inheritdoc/>
    public async ValueTask InitializeAsync()
    {
        var (code, output) = await DaemonProcess.RunCliAsync(
            "demo-clip",
            "--face", TestPaths.Fixture("astronaut.png"),
            "--out", Path,
            "--models", TestPaths.Models,
            "--neutral-seconds", NeutralSeconds.ToString(CultureInfo.InvariantCulture),
            "--ramp-seconds", RampSeconds.ToString(CultureInfo.InvariantCulture),
            "--grimace-seconds", GrimaceSeconds.ToString(CultureInfo.InvariantCulture));
        Assert.True(code == 0 && File.Exists(Path), $"demo-clip exited {code}:\n{output}");

        await ExtractFrameAsync(0, NeutralFrame);
        await ExtractFrameAsync(NeutralSeconds + RampSeconds + (GrimaceSeconds / 4.0), GrimaceFrame);
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync()
    {
        _directory.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task ExtractFrameAsync(double seconds, string output)
    {
        var ffmpeg = new ProcessStartInfo("ffmpeg") { RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "-nostdin", "-loglevel", "error", "-y", "-ss", seconds.ToString(CultureInfo.InvariantCulture), "-i", Path, "-frames:v", "1", output })
        {
            ffmpeg.ArgumentList.Add(argument);
        }

        using var process = Process.Start(ffmpeg)!;
        var errors = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0 && File.Exists(output), $"ffmpeg exited {process.ExitCode}: {errors}");
    }
}
