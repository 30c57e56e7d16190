// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Diagnostics;
using PainStream.Core.Cameras;
using PainStream.Testing;

namespace PainStream.Capture.FFmpeg.Tests;

/// <summary>Capture against a real RTSP server (GStreamer, H.264 over TCP interleaved) that crashes, restarts and hangs.</summary>
public sealed class RtspCaptureTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Capture_RtspServerKilledAndRestarted_OfflineWithinFiveSecondsThenOnlineAgain()
    {
        Requires.Installed(CaptureHarness.FfmpegAvailable && RtspServer.IsAvailable, "ffmpeg or the GStreamer RTSP server is not installed");
        var ct = TestContext.Current.CancellationToken;
        var options = CaptureHarness.Options(stall: 5, backoffInitial: 0.2, backoffMax: 1);
        await using var server = await RtspServer.StartAsync(width: 320, height: 240, cancellationToken: ct);
        await using var h = new CaptureHarness();
        var capture = h.Capture(CaptureHarness.Camera("ward", server.Url, options), options);
        await using (capture)
        {
            capture.Start();
            await h.WaitForStateAsync("ward", CameraState.Online, Wait);
            var first = await h.WaitForFramesAsync("ward", 5, Wait);
            Assert.Equal((320, 240), (first.Width, first.Height));
            Assert.False(first.AllZero);

            var clock = Stopwatch.StartNew();
            await server.KillAsync();
            var offline = await h.WaitForStateAsync("ward", CameraState.Offline, TimeSpan.FromSeconds(5));
            var detected = clock.Elapsed;
            TestContext.Current.TestOutputHelper?.WriteLine($"killed RTSP server detected offline after {detected.TotalMilliseconds:0} ms: {offline.Error}");
            Assert.StartsWith("ffmpeg exited with code", offline.Error, StringComparison.Ordinal);

            var from = h.Publisher.Statuses.Count;
            clock.Restart();
            await server.RestartAsync(ct);
            await h.WaitForStateAsync("ward", CameraState.Online, Wait, from);
            TestContext.Current.TestOutputHelper?.WriteLine($"restarted RTSP server back online after {clock.Elapsed.TotalMilliseconds:0} ms");
            var framesFrom = h.Frames.Count;
            await h.WaitForFramesAsync("ward", 3, Wait, framesFrom);
            Assert.True(h.Registry.Get(capture.Camera).Reconnects >= 1);
        }

        var left = await ProcessScan.WaitUntilNoneAsync(server.Marker, TimeSpan.FromSeconds(2), "ffmpeg", ct);
        Assert.True(left.IsEmpty, left.ToString());
    }

    [Fact]
    public async Task Capture_RtspServerStopped_WatchdogMarksOfflineAndRecoversAfterResume()
    {
        Requires.Installed(CaptureHarness.FfmpegAvailable && RtspServer.IsAvailable, "ffmpeg or the GStreamer RTSP server is not installed");
        var ct = TestContext.Current.CancellationToken;
        var options = CaptureHarness.Options(stall: 2, backoffInitial: 0.2, backoffMax: 1, rtspTimeout: 2);
        await using var server = await RtspServer.StartAsync(width: 320, height: 240, cancellationToken: ct);
        await using var h = new CaptureHarness();
        var capture = h.Capture(CaptureHarness.Camera("hung", server.Url, options), options);
        await using (capture)
        {
            capture.Start();
            await h.WaitForStateAsync("hung", CameraState.Online, Wait);
            var hungFfmpeg = Assert.Single(ProcessScan.Find(server.Marker, "ffmpeg").Live);

            var clock = Stopwatch.StartNew();
            server.Stop();
            var offline = await h.WaitForStateAsync("hung", CameraState.Offline, TimeSpan.FromSeconds(5 + options.StallTimeoutSeconds));
            var detected = clock.Elapsed;
            TestContext.Current.TestOutputHelper?.WriteLine($"SIGSTOPped RTSP server detected offline after {detected.TotalMilliseconds:0} ms: {offline.Error}");
            Assert.StartsWith("no frame", offline.Error, StringComparison.Ordinal);
            Assert.Null(ProcessScan.Read(hungFfmpeg.Pid));

            var from = h.Publisher.Statuses.Count;
            server.Resume();
            await h.WaitForStateAsync("hung", CameraState.Online, Wait, from);
        }

        var left = await ProcessScan.WaitUntilNoneAsync(server.Marker, TimeSpan.FromSeconds(2), "ffmpeg", ct);
        Assert.True(left.IsEmpty, left.ToString());
    }
}
