// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Diagnostics;
using System.Globalization;
using PainStream.Core.Cameras;
using PainStream.Testing;

namespace PainStream.Capture.FFmpeg.Tests;

/// <summary>
/// Keyframes decode mode (issue 17) against real ffmpeg: a clip with a known GOP made at test time, and a real RTSP server
/// with a 2 s GOP that is then hung.
/// </summary>
public sealed class KeyframeCaptureTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Capture_KeyframesModeClipWithKnownGop_DeliversEachKeyFrameOnceWithItsStreamTimestamp()
    {
        Assert.SkipUnless(CaptureHarness.FfmpegAvailable, "ffmpeg is not installed");
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory("painstream-gop-");

        // 4 s at 25 fps with a key frame every 20 frames (0.8 s, no scene-cut key frames): key frames at 0, 0.8, 1.6, 2.4 and
        // 3.2 s; every frame of testsrc differs from the others.
        var clip = dir.File("gop20.mp4");
        await EncodeAsync(clip, "testsrc=size=320x240:rate=25:duration=4", gopFrames: 20, ct);

        var options = CaptureHarness.Options(stall: 1.5);
        options.DecodeMode = DecodeMode.Keyframes;
        await using var h = new CaptureHarness(capacity: 32, keepPixels: true);
        var capture = h.Capture(CaptureHarness.Camera("gop", clip, options), options);
        await using (capture)
        {
            capture.Start();

            // Six frames: the five key frames of the clip, then the first one again when the looped file restarts.
            await h.WaitForFramesAsync("gop", 6, Wait);
        }

        var frames = h.Frames.Snapshot().Where(f => f.Camera.Value == "gop").Take(6).ToArray();
        var stamps = frames.Select(f => (f.CapturedAt - frames[0].CapturedAt).TotalSeconds).ToArray();
        TestContext.Current.TestOutputHelper?.WriteLine("stamps: " + string.Join(", ", stamps.Select(s => s.ToString("0.000", CultureInfo.InvariantCulture))));
        TestContext.Current.TestOutputHelper?.WriteLine("arrivals (ms): " + string.Join(", ", frames.Select(f => f.ElapsedMs - frames[0].ElapsedMs)));

        // Stream timestamps, not arrival times: exactly 0.8 s apart, through the loop too (ffmpeg offsets a looped file).
        Assert.Equal([0, 0.8, 1.6, 2.4, 3.2, 4.0], stamps.Select(s => Math.Round(s, 3)));

        // Each key frame once: the five are all different (no fps filter duplicating one), and the sixth is the first again.
        for (var i = 0; i < 5; i++)
        {
            for (var j = i + 1; j < 5; j++)
            {
                Assert.False(frames[i].Pixels!.AsSpan().SequenceEqual(frames[j].Pixels), $"frames {i} and {j} are the same picture");
            }
        }

        Assert.True(frames[5].Pixels!.AsSpan().SequenceEqual(frames[0].Pixels), "the looped clip's first key frame differs from the first one delivered");

        // Real time: a key frame every 0.8 s of wall time as well (-re), not 25 or Capture:Fps (10) per second.
        Assert.InRange(frames[5].ElapsedMs - frames[0].ElapsedMs, 3400, 5200);

        var status = h.Registry.Get(capture.Camera);
        Assert.Equal(0.8, status.KeyframeIntervalSeconds!.Value, 3);
        Assert.Equal(DecodeMode.Keyframes, status.DecodeMode);
        var published = h.Publisher.Statuses.Snapshot().Last(s => s.Camera.Value == "gop" && s.KeyframeIntervalSeconds is not null);
        Assert.Equal(0.8, published.KeyframeIntervalSeconds!.Value, 3);
        Assert.Equal(DecodeMode.Keyframes, published.DecodeMode);
    }

    [Fact]
    public async Task Capture_KeyframesModeRtsp2sGop_WatchdogQuietBetweenKeyFramesButFiresOnRealStall()
    {
        Assert.SkipUnless(CaptureHarness.FfmpegAvailable && RtspServer.IsAvailable, "ffmpeg or the GStreamer RTSP server is not installed");
        var ct = TestContext.Current.CancellationToken;

        // A 1 s stall timeout would fire between two key frames 2 s apart if the watchdog were judged against the frame rate.
        // ffmpeg's own RTSP socket timeout (10 s, noticed after 2-4x that) must not beat the watchdog to it.
        var options = CaptureHarness.Options(stall: 1, backoffInitial: 0.2, backoffMax: 1, rtspTimeout: 10);
        options.DecodeMode = DecodeMode.Keyframes;
        options.MaxKeyframeIntervalSeconds = 2;
        await using var server = await RtspServer.StartAsync(width: 320, height: 240, fps: 10, gopSeconds: 2, cancellationToken: ct);
        await using var h = new CaptureHarness();
        var capture = h.Capture(CaptureHarness.Camera("gop2", server.Url, options), options);
        await using (capture)
        {
            capture.Start();
            await h.WaitForStateAsync("gop2", CameraState.Online, Wait);
            var online = h.Publisher.Statuses.Count;

            // Five key frames (8 s) without the watchdog firing once.
            await h.WaitForFramesAsync("gop2", 5, Wait);
            var statuses = h.Publisher.Statuses.Snapshot().Skip(online).Where(s => s.Camera.Value == "gop2").ToList();
            Assert.DoesNotContain(statuses, s => s.State == CameraState.Offline);
            Assert.Equal(0, h.Registry.Get(capture.Camera).Reconnects);
            Assert.Equal(2.0, h.Registry.Get(capture.Camera).KeyframeIntervalSeconds!.Value, 1);
            Assert.Equal(TimeSpan.FromSeconds(5), CameraCapture.KeyframeStallTimeout(options, h.Registry.Get(capture.Camera).KeyframeIntervalSeconds));

            // A real stall (the server hangs, the connection stays open): reported 2.5 intervals (5 s) after the last frame.
            var lastFrameMs = h.Frames.Snapshot()[^1].ElapsedMs;
            var from = h.Publisher.Statuses.Count;
            var clock = Stopwatch.StartNew();
            server.Stop();
            var offline = await h.WaitForStateAsync("gop2", CameraState.Offline, TimeSpan.FromSeconds(12), from);
            var afterLastFrame = h.ElapsedMs - lastFrameMs;
            TestContext.Current.TestOutputHelper?.WriteLine($"stall reported {clock.ElapsedMilliseconds} ms after SIGSTOP, {afterLastFrame} ms after the last frame: {offline.Error}");
            Assert.StartsWith("no frame for 5", offline.Error, StringComparison.Ordinal);
            Assert.InRange(afterLastFrame, 4800, 6500);
            server.Resume();
        }

        var left = await ProcessScan.WaitUntilNoneAsync(server.Marker, TimeSpan.FromSeconds(2), "ffmpeg", ct);
        Assert.True(left.IsEmpty, left.ToString());
    }

    private static async Task EncodeAsync(string output, string lavfi, int gopFrames, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo("ffmpeg") { RedirectStandardError = true, UseShellExecute = false };
        var g = gopFrames.ToString(CultureInfo.InvariantCulture);
        foreach (var argument in new[]
        {
            "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", lavfi,
            "-c:v", "libx264", "-preset", "ultrafast", "-g", g, "-keyint_min", g, "-sc_threshold", "0", "-pix_fmt", "yuv420p", output,
        })
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var errors = await process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        Assert.True(process.ExitCode == 0, $"ffmpeg exited {process.ExitCode}: {errors}");
    }
}
