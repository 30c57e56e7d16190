// Copyright (c) PainStream contributors. Licensed under the MIT License.

using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using PainStream.Core.Cameras;
using PainStream.Core.Frames;
using PainStream.Core.Options;
using PainStream.Core.Pipeline;

namespace PainStream.Capture.FFmpeg.Tests;

/// <summary>
/// The "what happens after a session ended" step, driven directly with a <see cref="FakeTimeProvider"/> instead of racing a
/// running loop (STYLE §11).
/// </summary>
public sealed class SessionDecisionTests
{
    private static readonly CameraId Cam = new("cam");

    [Fact]
    public async Task OnSessionEnded_ConsecutiveFailures_DelayDoublesUpToMaximum()
    {
        await using var t = new Rig(new ReconnectBackoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), jitter: 0));

        var delays = Enumerable.Range(0, 7)
            .Select(_ => t.Capture.OnSessionEnded(new SessionOutcome(SessionEnd.Exited, 0, "ffmpeg exited with code 1")).TotalSeconds)
            .ToArray();

        Assert.Equal([1, 2, 4, 8, 16, 30, 30], delays);
        Assert.Equal(7, t.Registry.Get(Cam).Reconnects);
    }

    [Fact]
    public async Task OnSessionEnded_SessionDeliveredFrames_ResetsBackoffToInitialDelay()
    {
        await using var t = new Rig(new ReconnectBackoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), jitter: 0));
        for (var i = 0; i < 4; i++)
        {
            t.Capture.OnSessionEnded(new SessionOutcome(SessionEnd.InvalidInput, 0, "file not found: /x.mp4"));
        }

        var afterWorkingSession = t.Capture.OnSessionEnded(new SessionOutcome(SessionEnd.Stalled, 120, "no frame for 5 s"));
        var next = t.Capture.OnSessionEnded(new SessionOutcome(SessionEnd.Stalled, 0, "no frame within 10 s of starting ffmpeg"));

        Assert.Equal(TimeSpan.FromSeconds(1), afterWorkingSession);
        Assert.Equal(TimeSpan.FromSeconds(2), next);
    }

    [Fact]
    public async Task OnSessionEnded_SessionOnlineForBackoffResetTime_ResetsBackoffEvenWithFewFrames()
    {
        // A server that is up 4 s out of every 6 (issue 13): each up-time must start the next outage from the first delay.
        await using var t = new Rig(new ReconnectBackoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), jitter: 0), options: new CaptureOptions { BackoffResetSeconds = 2 });
        var delays = new List<double>();
        for (var cycle = 0; cycle < 3; cycle++)
        {
            delays.Add(t.Capture.OnSessionEnded(new SessionOutcome(SessionEnd.Exited, 0, "ffmpeg exited with code 1: Connection refused")).TotalSeconds);
            delays.Add(t.Capture.OnSessionEnded(new SessionOutcome(SessionEnd.Exited, 0, "ffmpeg exited with code 1: Connection refused")).TotalSeconds);
            delays.Add(t.Capture.OnSessionEnded(new SessionOutcome(SessionEnd.Exited, 12, "ffmpeg exited with code 0 (stream ended)") { OnlineFor = TimeSpan.FromSeconds(2.4) }).TotalSeconds);
        }

        Assert.Equal([1, 2, 1, 2, 4, 1, 2, 4, 1], delays);
    }

    [Fact]
    public async Task OnSessionEnded_SessionOnlineShorterThanResetTime_KeepsBackingOff()
    {
        await using var t = new Rig(new ReconnectBackoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), jitter: 0), options: new CaptureOptions { BackoffResetSeconds = 2 });
        var delays = Enumerable.Range(0, 3)
            .Select(_ => t.Capture.OnSessionEnded(new SessionOutcome(SessionEnd.Exited, 8, "ffmpeg exited with code 0 (stream ended)") { OnlineFor = TimeSpan.FromSeconds(1.5) }).TotalSeconds)
            .ToArray();

        Assert.Equal([1, 2, 4], delays);
    }

    [Fact]
    public async Task OnSessionEnded_StallAlreadyReported_DoesNotCountTheReconnectTwice()
    {
        await using var t = new Rig(backoff: null);

        t.Capture.OnSessionEnded(new SessionOutcome(SessionEnd.Stalled, 30, "no frame for 5 s") { Reported = true });

        Assert.Equal(0, t.Registry.Get(Cam).Reconnects);
        Assert.Equal("no frame for 5 s", Assert.Single(t.Registry.Snapshot()).Error);
    }

    [Fact]
    public async Task Timeouts_KeyframesMode_StallJudgedAgainstKeyframeInterval()
    {
        var options = new CaptureOptions { StallTimeoutSeconds = 1, MaxKeyframeIntervalSeconds = 2, Fps = 5, DecodeMode = DecodeMode.Keyframes };
        await using var keyframes = new Rig(null, "lavfi:testsrc", options);
        await using var all = new Rig(null, "lavfi:testsrc", new CaptureOptions { StallTimeoutSeconds = 1, Fps = 5 });

        // Before the interval is measured: 2.5 x the longest expected; after: 2.5 x the measured one, never under the setting.
        Assert.Equal(TimeSpan.FromSeconds(5), keyframes.Capture.StallTimeout);
        Assert.Equal(TimeSpan.FromSeconds(10), CameraCapture.KeyframeStallTimeout(options, 4));
        Assert.Equal(TimeSpan.FromSeconds(1.25), CameraCapture.KeyframeStallTimeout(options, 0.5));
        Assert.Equal(TimeSpan.FromSeconds(1), CameraCapture.KeyframeStallTimeout(options, 0.2));
        Assert.Equal(TimeSpan.FromSeconds(1), all.Capture.StallTimeout);

        // The first frame: a whole GOP away at most, after ffmpeg's probing (5 s) with non-key frames skipped.
        Assert.Equal(TimeSpan.FromSeconds(5 + 2 + 5), keyframes.Capture.FirstFrameTimeout);
        Assert.Equal(TimeSpan.FromSeconds(1), all.Capture.FirstFrameTimeout);
    }

    [Fact]
    public async Task OnSessionEnded_SessionWithOnlyAFrame_KeepsBackingOff()
    {
        await using var t = new Rig(new ReconnectBackoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), jitter: 0));
        var delays = new List<double>();
        for (var i = 0; i < 4; i++)
        {
            delays.Add(t.Capture.OnSessionEnded(new SessionOutcome(SessionEnd.Exited, 1, "ffmpeg exited with code 0 (stream ended)")).TotalSeconds);
        }

        Assert.Equal([1, 2, 4, 8], delays);
    }

    [Fact]
    public async Task OnSessionEnded_Failure_MarksOfflineWithReasonAndCountsReconnect()
    {
        await using var t = new Rig(backoff: null);
        t.Registry.SetOnline(Cam);

        var delay = t.Capture.OnSessionEnded(new SessionOutcome(SessionEnd.Exited, 42, "ffmpeg exited with code 0 (stream ended)"));

        var status = Assert.Single(t.Registry.Snapshot());
        Assert.Equal(CameraState.Offline, status.State);
        Assert.Equal("ffmpeg exited with code 0 (stream ended)", status.Error);
        Assert.Equal(1, status.Reconnects);
        Assert.Equal(t.Time.GetUtcNow(), status.Since);

        // Default options: 1 s initial delay with ±20 % jitter.
        Assert.InRange(delay.TotalSeconds, 0.8, 1.2);
    }

    [Fact]
    public async Task Timeouts_RtspSource_FirstFrameAllowsForSocketTimeout()
    {
        var options = new CaptureOptions { StallTimeoutSeconds = 5, RtspTimeoutSeconds = 3 };
        await using var rtsp = new Rig(null, "rtsp://127.0.0.1:8554/cam", options);
        await using var lavfi = new Rig(null, "lavfi:testsrc", options);

        Assert.Equal(TimeSpan.FromSeconds(5), rtsp.Capture.StallTimeout);
        Assert.Equal(TimeSpan.FromSeconds(8), rtsp.Capture.FirstFrameTimeout);
        Assert.Equal(TimeSpan.FromSeconds(5), lavfi.Capture.FirstFrameTimeout);
    }

    [Fact]
    public async Task RunSessionAsync_InvalidUrl_ReturnsInvalidInputWithoutStartingProcess()
    {
        await using var t = new Rig(null, "rtsp://");

        var outcome = await t.Capture.RunSessionAsync(TestContext.Current.CancellationToken);

        Assert.Equal(SessionEnd.InvalidInput, outcome.End);
        Assert.Equal(0, outcome.Frames);
        Assert.StartsWith("malformed RTSP URL", outcome.Reason, StringComparison.Ordinal);
        Assert.Equal(0, t.Capture.ProcessId);
    }

    [Fact]
    public async Task RunSessionAsync_MissingExecutable_ReturnsStartFailed()
    {
        await using var t = new Rig(null, "lavfi:testsrc", new CaptureOptions { FfmpegPath = "/nonexistent/ffmpeg" });

        var outcome = await t.Capture.RunSessionAsync(TestContext.Current.CancellationToken);

        Assert.Equal(SessionEnd.StartFailed, outcome.End);
        Assert.StartsWith("cannot start ffmpeg '/nonexistent/ffmpeg'", outcome.Reason, StringComparison.Ordinal);
    }

    private sealed class Rig : IAsyncDisposable
    {
        public Rig(ReconnectBackoff? backoff, string url = "lavfi:testsrc", CaptureOptions? options = null)
        {
            options ??= new CaptureOptions();
            Registry = new CameraRegistry(new SignalingPublisher(), Time);
            Capture = new CameraCapture(
                CaptureHarness.Camera(Cam.Value, url, options),
                options,
                Pool,
                Registry,
                System.Threading.Channels.Channel.CreateUnbounded<Frame>().Writer,
                NullLogger.Instance,
                Time,
                backoff);
        }

        public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

        public FramePool Pool { get; } = new();

        public CameraRegistry Registry { get; }

        public CameraCapture Capture { get; }

        public async ValueTask DisposeAsync()
        {
            await Capture.DisposeAsync();
            Assert.Equal(0, Pool.Outstanding);
        }
    }
}
