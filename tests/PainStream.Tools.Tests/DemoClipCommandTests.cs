// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Diagnostics;
using System.Globalization;
using OpenCvSharp;
using PainStream.Testing;
using PainStream.Hosting;

namespace PainStream.Tools.Tests;

public sealed class DemoClipCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("painstream-demo-clip-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task RunAsync_AstronautWithShortDurations_WritesAnH264Mp4WithTheTimelinesFramesAndSize()
    {
        var output = Path.Combine(_dir, "clips", "demo.mp4");

        var (code, stdout, stderr) = await RunAsync(
            "--face", TestPaths.Fixture("astronaut.png"), "--out", output, "--models", TestPaths.Models,
            "--fps", "5", "--neutral-seconds", "1", "--grimace-seconds", "2", "--ramp-seconds=0.4", "--trailing-seconds", "1.6");

        Assert.True(code == 0, stderr);
        Assert.Contains($"wrote {output}: 27 frames, 640x360 at 5 fps", stdout, StringComparison.Ordinal);
        var (frames, width, height, codec) = await ProbeAsync(output);

        // 1 s neutral + 0.4 s ramp + 2 s hold + 0.4 s ramp + 1.6 s trailing neutral at 5 fps.
        Assert.Equal(5 + 2 + 10 + 2 + 8, frames);
        Assert.Equal((640, 360, "h264"), (width, height, codec));
        Assert.False(File.Exists(output + ".partial"));
    }

    [Fact]
    public async Task RunAsync_MissingImage_ExitsWithTheUsageCodeNamingTheFile()
    {
        var missing = Path.Combine(_dir, "no-such-face.png");
        var output = Path.Combine(_dir, "demo.mp4");

        var (code, stdout, stderr) = await RunAsync("--face", missing, "--out", output, "--models", TestPaths.Models);

        Assert.Equal(Cli.ExitUsage, code);
        Assert.Equal($"painstream: demo-clip: the face image '{missing}' does not exist", stderr.Trim());
        Assert.Empty(stdout);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public async Task RunAsync_ImageWithoutAFace_ExitsWithTheUsageCode()
    {
        var wall = Path.Combine(_dir, "wall.png");
        using (var mat = new Mat(240, 320, MatType.CV_8UC3, new Scalar(120, 130, 140)))
        {
            Cv2.ImWrite(wall, mat);
        }

        var (code, _, stderr) = await RunAsync("--face", wall, "--out", Path.Combine(_dir, "demo.mp4"), "--models", TestPaths.Models);

        Assert.Equal(Cli.ExitUsage, code);
        Assert.StartsWith("painstream: demo-clip: no face found in the 320x240 image", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_ModelsMissing_ExitsWithTheStartupCodeNamingTheDirectory()
    {
        var models = Path.Combine(_dir, "models");
        Directory.CreateDirectory(models);

        var (code, _, stderr) = await RunAsync("--face", TestPaths.Fixture("astronaut.png"), "--out", Path.Combine(_dir, "demo.mp4"), "--models", models);

        Assert.Equal(Cli.ExitStartupFailure, code);
        Assert.Contains("cannot load a model", stderr, StringComparison.Ordinal);
        Assert.Contains(models, stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "--out", "x.mp4" }, "--face IMAGE is required")]
    [InlineData(new[] { "--face", "a.png" }, "--out FILE is required")]
    [InlineData(new[] { "--face", "a.png", "--out", "x.mp4", "--fps", "ten" }, "--fps needs a number, got 'ten'")]
    [InlineData(new[] { "--face", "a.png", "--out", "x.mp4", "--fps", "0" }, "the frame rate 0 must be within 1–60")]
    [InlineData(new[] { "--face", "a.png", "--out", "x.mp4", "--grimace-seconds", "0" }, "the grimace time 0 s must be above 0")]
    [InlineData(new[] { "--face", "a.png", "--out", "x.mp4", "--size", "2" }, "unknown option '--size'")]
    [InlineData(new[] { "--face", "a.png", "--out" }, "option '--out' needs a value")]
    [InlineData(new[] { "a.png" }, "unexpected argument 'a.png'")]
    public async Task RunAsync_BadArguments_ExitWithTheUsageCodeAndSayWhy(string[] args, string message)
    {
        var (code, _, stderr) = await RunAsync(args);

        Assert.Equal(Cli.ExitUsage, code);
        Assert.Contains(message, stderr, StringComparison.Ordinal);
        Assert.Contains("Usage: painstream demo-clip --face IMAGE --out FILE", stderr, StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter(CultureInfo.InvariantCulture);
        using var stderr = new StringWriter(CultureInfo.InvariantCulture);
        var code = await DemoClipCommand.RunAsync(args, stdout, stderr, TestContext.Current.CancellationToken);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private static async Task<(int Frames, int Width, int Height, string Codec)> ProbeAsync(string file)
    {
        var info = new ProcessStartInfo("ffprobe") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries", "stream=nb_read_frames,width,height,codec_name", "-of", "default=noprint_wrappers=1", file })
        {
            info.ArgumentList.Add(arg);
        }

        using var ffprobe = Process.Start(info) ?? throw new InvalidOperationException("Could not start ffprobe.");
        var ct = TestContext.Current.CancellationToken;
        var stdout = ffprobe.StandardOutput.ReadToEndAsync(ct);
        var stderr = ffprobe.StandardError.ReadToEndAsync(ct);
        await ffprobe.WaitForExitAsync(ct);
        Assert.True(ffprobe.ExitCode == 0, await stderr);
        var fields = (await stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split('=', 2))
            .ToDictionary(kv => kv[0], kv => kv[1], StringComparer.Ordinal);
        return (
            int.Parse(fields["nb_read_frames"], CultureInfo.InvariantCulture),
            int.Parse(fields["width"], CultureInfo.InvariantCulture),
            int.Parse(fields["height"], CultureInfo.InvariantCulture),
            fields["codec_name"]);
    }
}
