// Copyright (c) PainStream contributors. Licensed under the MIT License.

using Microsoft.Extensions.Time.Testing;

namespace PainStream.Capture.FFmpeg.Tests;

/// <summary>The frame-age watchdog on a fake clock: on time for a real stall, not fooled by the daemon's own pauses.</summary>
public sealed class StallWatchdogTests
{
    private static readonly TimeSpan Tolerance = TimeSpan.FromSeconds(1);

    [Fact]
    public void Feed_FramesKeepComing_NeverStalls()
    {
        var time = new FakeTimeProvider();
        var stalls = 0;
        using var watchdog = new StallWatchdog(time, TimeSpan.FromSeconds(8), Tolerance, _ => stalls++);

        for (var i = 0; i < 20; i++)
        {
            time.Advance(TimeSpan.FromSeconds(2));
            watchdog.Feed(TimeSpan.FromSeconds(5));
        }

        Assert.Equal(0, stalls);
        Assert.False(watchdog.Stalled);
        Assert.False(watchdog.Token.IsCancellationRequested);
    }

    [Fact]
    public void OnTimer_NoFrameForTimeout_StallsExactlyAtTheTimeoutNotAFrameLater()
    {
        var time = new FakeTimeProvider();
        TimeSpan? silence = null;
        using var watchdog = new StallWatchdog(time, TimeSpan.FromSeconds(8), Tolerance, s => silence = s);
        time.Advance(TimeSpan.FromSeconds(1));
        watchdog.Feed(TimeSpan.FromSeconds(5));

        time.Advance(TimeSpan.FromSeconds(4.99));
        Assert.False(watchdog.Stalled);
        time.Advance(TimeSpan.FromSeconds(0.01));

        Assert.True(watchdog.Stalled);
        Assert.True(watchdog.Token.IsCancellationRequested);
        Assert.Equal(TimeSpan.FromSeconds(5), silence);
    }

    [Fact]
    public void OnTimer_NoFirstFrame_StallsAfterFirstFrameTimeout()
    {
        var time = new FakeTimeProvider();
        using var watchdog = new StallWatchdog(time, TimeSpan.FromSeconds(8), Tolerance);

        time.Advance(TimeSpan.FromSeconds(7.9));
        Assert.False(watchdog.Stalled);
        time.Advance(TimeSpan.FromSeconds(0.1));

        Assert.True(watchdog.Stalled);
        Assert.Equal(TimeSpan.FromSeconds(8), watchdog.Timeout);
    }

    [Fact]
    public void OnTimer_DaemonFrozenPastTheDeadline_ForgivenAndCameraGetsAFreshTimeout()
    {
        // The daemon was SIGSTOPped for 24 s (issue 13 item 4): its timer wakes 19 s after the deadline.
        var time = new FakeTimeProvider();
        var stalls = 0;
        var pauses = new List<TimeSpan>();
        using var watchdog = new StallWatchdog(time, TimeSpan.FromSeconds(8), Tolerance, _ => stalls++, pauses.Add);
        watchdog.Feed(TimeSpan.FromSeconds(5));

        time.Advance(TimeSpan.FromSeconds(24));

        Assert.Equal(0, stalls);
        Assert.False(watchdog.Stalled);
        Assert.Equal(TimeSpan.FromSeconds(19), Assert.Single(pauses));
        Assert.Equal(1, watchdog.PausesForgiven);

        // The frames that waited in the pipe arrive: all is well.
        time.Advance(TimeSpan.FromSeconds(0.1));
        watchdog.Feed(TimeSpan.FromSeconds(5));
        time.Advance(TimeSpan.FromSeconds(4));
        Assert.False(watchdog.Stalled);
    }

    [Fact]
    public void OnTimer_DaemonFrozenThenCameraReallySilent_StallsOneTimeoutAfterTheDaemonRunsAgain()
    {
        var time = new FakeTimeProvider();
        var stalls = 0;
        using var watchdog = new StallWatchdog(time, TimeSpan.FromSeconds(8), Tolerance, _ => stalls++);
        watchdog.Feed(TimeSpan.FromSeconds(5));

        time.Advance(TimeSpan.FromSeconds(24));
        Assert.Equal(0, stalls);
        time.Advance(TimeSpan.FromSeconds(4.9));
        Assert.Equal(0, stalls);
        time.Advance(TimeSpan.FromSeconds(0.1));

        Assert.Equal(1, stalls);
        Assert.True(watchdog.Stalled);
    }

    [Fact]
    public void OnTimer_LateWithinTolerance_StallsAsUsual()
    {
        var time = new FakeTimeProvider();
        var stalls = 0;
        using var watchdog = new StallWatchdog(time, TimeSpan.FromSeconds(8), Tolerance, _ => stalls++);
        watchdog.Feed(TimeSpan.FromSeconds(5));

        time.Advance(TimeSpan.FromSeconds(5.8));

        Assert.Equal(1, stalls);
        Assert.Equal(0, watchdog.PausesForgiven);
    }

    [Fact]
    public void OnTimer_AlwaysLate_StallReportedAfterMaxForgiven()
    {
        // A daemon starved so badly that every wake-up is late must still report a dead camera in the end.
        var time = new FakeTimeProvider();
        var stalls = 0;
        using var watchdog = new StallWatchdog(time, TimeSpan.FromSeconds(8), Tolerance, _ => stalls++);
        watchdog.Feed(TimeSpan.FromSeconds(5));

        for (var i = 0; i < StallWatchdog.MaxForgiven; i++)
        {
            time.Advance(TimeSpan.FromSeconds(8));
            Assert.Equal(0, stalls);
        }

        time.Advance(TimeSpan.FromSeconds(8));

        Assert.Equal(1, stalls);
        Assert.Equal(StallWatchdog.MaxForgiven, watchdog.PausesForgiven);
    }
}
