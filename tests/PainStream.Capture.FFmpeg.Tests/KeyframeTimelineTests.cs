// Copyright (c) PainStream contributors. Licensed under the MIT License.

namespace PainStream.Capture.FFmpeg.Tests;

/// <summary>Stream timestamps of key frames to capture times, and the measured keyframe interval.</summary>
public sealed class KeyframeTimelineTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Stamp_JitteryArrivals_KeepTheStreamSpacing()
    {
        var timeline = new KeyframeTimeline();
        double[] pts = [10, 11, 12, 13];
        double[] arrivalJitter = [0, 0.23, -0.05, 0.31];

        var stamps = pts.Select((p, i) => timeline.Stamp(p, T0.AddSeconds(i + arrivalJitter[i]))).ToArray();

        Assert.Equal([T0, T0.AddSeconds(1), T0.AddSeconds(2), T0.AddSeconds(3)], stamps);
        Assert.Equal(1.0, timeline.IntervalSeconds);
    }

    [Fact]
    public void IntervalSeconds_OneMissingKeyFrame_StaysTheMedianStep()
    {
        var timeline = new KeyframeTimeline();
        double[] pts = [0, 2, 4, 8, 10, 12];

        foreach (var p in pts)
        {
            timeline.Stamp(p, T0.AddSeconds(p));
        }

        Assert.Equal(2.0, timeline.IntervalSeconds);
    }

    [Fact]
    public void IntervalSeconds_OneFrame_IsNull()
    {
        var timeline = new KeyframeTimeline();
        timeline.Stamp(5, T0);
        Assert.Null(timeline.IntervalSeconds);
    }

    [Fact]
    public void Stamp_TimestampJump_ReanchorsToArrivalAndNeverGoesBack()
    {
        var timeline = new KeyframeTimeline();
        var first = timeline.Stamp(100, T0);
        var jumped = timeline.Stamp(5, T0.AddSeconds(1));
        var next = timeline.Stamp(6, T0.AddSeconds(2.1));

        Assert.Equal(T0, first);
        Assert.Equal(T0.AddSeconds(1), jumped);
        Assert.Equal(T0.AddSeconds(2), next);
        Assert.Equal(1, timeline.Reanchored);
    }

    [Fact]
    public void Stamp_NoTimestamp_UsesArrival()
    {
        var timeline = new KeyframeTimeline();
        Assert.Equal(T0.AddSeconds(3), timeline.Stamp(double.NaN, T0.AddSeconds(3)));
    }
}
