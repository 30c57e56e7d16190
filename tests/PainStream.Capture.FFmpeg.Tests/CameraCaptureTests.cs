// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Diagnostics;
using Microsoft.Extensions.Logging.Testing;
using PainStream.Core.Cameras;
using PainStream.Testing;

namespace PainStream.Capture.FFmpeg.Tests;

/// <summary>One camera against real ffmpeg processes reading lavfi test sources (no network, no fixtures).</summary>
public sealed class CameraCaptureTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Capture_LavfiTestsrc_DeliversExactSizeFramesInSequenceAndStopsPromptly()
    {
        Requires.Installed(CaptureHarness.FfmpegAvailable, "ffmpeg is not installed");
        var options = CaptureHarness.Options();
        var (url, marker) = CaptureHarness.Testsrc();
        await using var h = new CaptureHarness();
        var capture = h.Capture(CaptureHarness.Camera("cam", url, options), options);
        await using (capture)
        {
            capture.Start();

            await h.WaitForStateAsync("cam", CameraState.Online, Wait);
            await h.WaitForFramesAsync("cam", 8, Wait);
            var frames = h.Frames.Snapshot();
            Assert.All(frames, f => Assert.Equal((320, 240, 320 * 240 * 3), (f.Width, f.Height, f.Length)));
            Assert.Equal(Enumerable.Range(1, frames.Count).Select(i => (long)i), frames.Select(f => f.Sequence));
            Assert.All(frames, f => Assert.False(f.AllZero));
            Assert.True(h.Registry.Get(capture.Camera).Captured >= 8);
            Assert.Equal(0, h.Registry.Get(capture.Camera).Reconnects);
            Assert.Single(ProcessScan.Find(marker, "ffmpeg").Live);

            // How long the stop takes is measured by bench (PainStream.Benchmarks --capture-lifecycle), never asserted here.
            await capture.StopAsync();
            Assert.True(capture.Completion.IsCompleted);
        }

        // StopAsync reaps: nothing of ours is left, live or zombie, without waiting.
        Assert.True(ProcessScan.Find(marker, "ffmpeg").IsEmpty, ProcessScan.Find(marker, "ffmpeg").ToString());
    }

    [Fact]
    public async Task Capture_FourByThreeSourceAtSixteenByNine_LetterboxesWithBlackBars()
    {
        Requires.Installed(CaptureHarness.FfmpegAvailable, "ffmpeg is not installed");
        var options = CaptureHarness.Options();
        options.Width = 320;
        options.Height = 180;

        // A solid white 4:3 source: scaled to 240x180 and padded with 40 px of black on the left and on the right.
        var url = "lavfi:color=c=white:size=400x300:rate=10";
        await using var h = new CaptureHarness(keepPixels: true);
        var capture = h.Capture(CaptureHarness.Camera("wide", url, options), options);
        await using (capture)
        {
            capture.Start();
            var frame = await h.WaitForFramesAsync("wide", 2, Wait);

            Assert.Equal((320, 180), (frame.Width, frame.Height));
            var px = frame.Pixels!;
            byte At(int x, int y, int c) => px[(y * 320 * 3) + (x * 3) + c];
            for (var y = 0; y < 180; y += 20)
            {
                for (var c = 0; c < 3; c++)
                {
                    Assert.Equal(0, At(0, y, c));
                    Assert.Equal(0, At(38, y, c));
                    Assert.Equal(0, At(281, y, c));
                    Assert.Equal(0, At(319, y, c));
                    Assert.InRange(At(42, y, c), 235, 255);
                    Assert.InRange(At(160, y, c), 235, 255);
                    Assert.InRange(At(277, y, c), 235, 255);
                }
            }
        }
    }

    [Fact]
    public async Task Capture_SourceEnds_GoesOfflineCountsReconnectAndComesBackOnline()
    {
        Requires.Installed(CaptureHarness.FfmpegAvailable, "ffmpeg is not installed");
        var options = CaptureHarness.Options();
        var (url, marker) = CaptureHarness.Testsrc(duration: 1);
        await using var h = new CaptureHarness();
        var capture = h.Capture(CaptureHarness.Camera("short", url, options), options);
        await using (capture)
        {
            capture.Start();
            await h.WaitForStateAsync("short", CameraState.Online, Wait);

            var offline = await h.WaitForStateAsync("short", CameraState.Offline, Wait);
            Assert.Equal("ffmpeg exited with code 0 (input ended)", offline.Error);
            Assert.True(offline.Reconnects >= 1);

            var from = h.Publisher.Statuses.Count;
            await h.WaitForStateAsync("short", CameraState.Online, Wait, from);

            // Each session numbers its frames from 1 again.
            await h.Frames.WaitAsync(f => f.Sequence == 1, Wait, count: 2, what: "first frame of a session");
        }

        Assert.True(ProcessScan.Find(marker, "ffmpeg").IsEmpty);
    }

    [Fact]
    public async Task Capture_FfmpegStopped_WatchdogMarksOfflineReapsItAndRestarts()
    {
        Requires.Installed(CaptureHarness.FfmpegAvailable, "ffmpeg is not installed");
        var options = CaptureHarness.Options(stall: 1.5);
        var (url, marker) = CaptureHarness.Testsrc();
        await using var h = new CaptureHarness();
        var capture = h.Capture(CaptureHarness.Camera("frozen", url, options), options);
        await using (capture)
        {
            capture.Start();
            await h.WaitForStateAsync("frozen", CameraState.Online, Wait);
            var stopped = Assert.Single(await ProcessScan.WaitForLiveAsync(marker, Wait, "ffmpeg", TestContext.Current.CancellationToken));

            var clock = Stopwatch.StartNew();
            ProcessScan.Signal(stopped.Pid, "STOP");
            var offline = await h.WaitForStateAsync("frozen", CameraState.Offline, Wait);
            var detected = clock.Elapsed;
            TestContext.Current.TestOutputHelper?.WriteLine($"SIGSTOPped ffmpeg detected offline after {detected.TotalMilliseconds:0} ms (watchdog {options.StallTimeoutSeconds} s)");

            Assert.Equal("no frame for 1.5 s", offline.Error);
            Assert.InRange(detected.TotalSeconds, 1.0, 3.5);
            var from = h.Publisher.Statuses.Count;
            await h.WaitForStateAsync("frozen", CameraState.Online, Wait, from);

            // The stopped process was killed and reaped: no /proc entry at all (not even a zombie).
            Assert.Null(ProcessScan.Read(stopped.Pid));
            var live = Assert.Single(ProcessScan.Find(marker, "ffmpeg").Live);
            Assert.NotEqual(stopped.Pid, live.Pid);
            Assert.Equal(1, h.Registry.Get(capture.Camera).Reconnects);
        }

        Assert.True(ProcessScan.Find(marker, "ffmpeg").IsEmpty);
    }

    [Fact]
    public async Task Capture_GarbageFile_OfflineWithFfmpegErrorAndRetries()
    {
        Requires.Installed(CaptureHarness.FfmpegAvailable, "ffmpeg is not installed");
        var options = CaptureHarness.Options(backoffInitial: 0.05, backoffMax: 0.1);
        var path = Path.Combine(Path.GetTempPath(), "painstream-garbage-" + Guid.NewGuid().ToString("N") + ".mp4");
        var bytes = new byte[64 * 1024];
        new Random(42).NextBytes(bytes);
        await File.WriteAllBytesAsync(path, bytes, TestContext.Current.CancellationToken);
        try
        {
            await using var h = new CaptureHarness();
            var capture = h.Capture(CaptureHarness.Camera("garbage", path, options), options);
            await using (capture)
            {
                capture.Start();
                var offline = await h.WaitForStateAsync("garbage", CameraState.Offline, Wait);

                Assert.StartsWith("ffmpeg exited with code", offline.Error, StringComparison.Ordinal);
                Assert.DoesNotContain("code 0", offline.Error, StringComparison.Ordinal);
                Assert.Contains(path, offline.Error, StringComparison.Ordinal);
                Assert.Empty(h.Frames.Snapshot());
            }

            Assert.True(h.Registry.Get(new("garbage")).Reconnects >= 1);
            Assert.True((await ProcessScan.WaitUntilNoneAsync(path, TimeSpan.FromSeconds(2), "ffmpeg", TestContext.Current.CancellationToken)).IsEmpty);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Capture_UnreachableRtspWithCredentials_ReasonIsRedacted()
    {
        Requires.Installed(CaptureHarness.FfmpegAvailable, "ffmpeg is not installed");
        var options = CaptureHarness.Options();

        // Nothing listens on a port that was just free: ffmpeg fails at once with "Connection refused".
        var url = $"rtsp://admin:hunter2@127.0.0.1:{FreePort.Get()}/cam";
        await using var h = new CaptureHarness();
        var logger = new FakeLogger<CameraCapture>();
        var capture = h.Capture(CaptureHarness.Camera("locked", url, options), options, logger);
        await using (capture)
        {
            capture.Start();
            var offline = await h.WaitForStateAsync("locked", CameraState.Offline, Wait);

            Assert.StartsWith("ffmpeg exited with code", offline.Error, StringComparison.Ordinal);
            Assert.Contains("rtsp://***@127.0.0.1", offline.Error, StringComparison.Ordinal);
            Assert.DoesNotContain("hunter2", offline.Error, StringComparison.Ordinal);
        }

        var logs = logger.Collector.GetSnapshot();
        Assert.Contains(logs, r => r.Id.Id == 2004);
        Assert.All(logs, r => Assert.DoesNotContain("hunter2", r.Message, StringComparison.Ordinal));
        Assert.All(logs, r => Assert.DoesNotContain("hunter2", string.Join(" ", r.StructuredState?.Select(kv => kv.Value) ?? []), StringComparison.Ordinal));
    }
}
