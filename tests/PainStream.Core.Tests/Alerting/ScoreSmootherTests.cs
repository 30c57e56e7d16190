// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Alerting;

namespace PainStream.Core.Tests.Alerting;

public sealed class ScoreSmootherTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly AlertPolicy MedianOnly = AlertPolicy.Default with { SmoothingTimeConstant = TimeSpan.Zero };

    [Fact]
    public void Add_SingleFrameSpike_RemovedByMedian()
    {
        var smoother = new ScoreSmoother(MedianOnly);
        for (var i = 0; i < 20; i++)
        {
            smoother.Add(new ScoreSample(1, 0.9), At(i * 100));
        }

        smoother.Add(new ScoreSample(16, 0.9), At(2000));

        Assert.Equal(1, smoother.Smoothed);
    }

    [Fact]
    public void Add_LowConfidenceOrCannotScore_Ignored()
    {
        var smoother = new ScoreSmoother(AlertPolicy.Default with { MinConfidence = 0.6 });

        Assert.True(smoother.Add(new ScoreSample(2, 0.8), At(0)));
        Assert.False(smoother.Add(new ScoreSample(12, 0.5), At(100)));
        Assert.False(smoother.Add(ScoreSample.CannotScore("face too small"), At(200)));
        Assert.False(smoother.Add(new ScoreSample(double.NaN, 0.9), At(300)));

        Assert.Equal(2, smoother.Smoothed);
        Assert.Equal(1, smoother.Count);
        Assert.Equal(0.8, smoother.Confidence, 6);
    }

    [Fact]
    public void Add_StepChange_MedianThenTimeBasedEma()
    {
        var smoother = new ScoreSmoother(AlertPolicy.Default with { SmoothingWindow = TimeSpan.FromMilliseconds(1500) });
        smoother.Add(new ScoreSample(0, 0.9), At(0));

        smoother.Add(new ScoreSample(10, 0.9), At(1000));
        var first = smoother.Smoothed!.Value;
        smoother.Add(new ScoreSample(10, 0.9), At(2000));

        // Half a time constant (2 s) between samples; the median is 5 with {0, 10} in the window, then 10 once 0 has left it.
        var alpha = 1 - Math.Exp(-0.5);
        Assert.Equal(5 * alpha, first, 9);
        Assert.Equal((5 * alpha) + (alpha * (10 - (5 * alpha))), smoother.Smoothed!.Value, 9);
    }

    [Fact]
    public void Expire_WindowEmpties_ScoreUnknownAndAverageRestarts()
    {
        var smoother = new ScoreSmoother(AlertPolicy.Default);
        smoother.Add(new ScoreSample(8, 0.9), At(0));

        smoother.Expire(At(5000));

        Assert.Null(smoother.Smoothed);
        Assert.Equal(0, smoother.Confidence);
        smoother.Add(new ScoreSample(3, 0.9), At(6000));
        Assert.Equal(3, smoother.Smoothed);
    }

    [Fact]
    public void Add_MoreSamplesThanCapacity_KeepsTheNewest()
    {
        var smoother = new ScoreSmoother(MedianOnly, capacity: 4);
        double[] values = [9, 9, 9, 1, 1, 1];

        for (var i = 0; i < values.Length; i++)
        {
            smoother.Add(new ScoreSample(values[i], 0.9), At(i * 10));
        }

        Assert.Equal(4, smoother.Count);
        Assert.Equal(1, smoother.Smoothed);
    }

    [Fact]
    public void Add_LongWindow_KeepsEverySampleOfTheWindow()
    {
        // Two minutes at 10 fps: 1200 samples, far more than a fixed 256-sample buffer would keep.
        var smoother = new ScoreSmoother(MedianOnly with { SmoothingWindow = TimeSpan.FromMinutes(2) });
        for (var i = 0; i < 1190; i++)
        {
            smoother.Add(new ScoreSample(i < 700 ? 9 : 1, 0.9), At(i * 100));
        }

        Assert.Equal(1190, smoother.Count);
        Assert.Equal(9, smoother.Smoothed); // 700 high samples and 490 low ones are all in the window
    }

    [Fact]
    public void MaxCapacity_FollowsTheWindow_AtTheHighestAnalysisRate()
    {
        var smoother = new ScoreSmoother(AlertPolicy.Default with { SmoothingWindow = TimeSpan.FromSeconds(600) });
        Assert.Equal(36_001, smoother.MaxCapacity);

        smoother.Reconfigure(AlertPolicy.Default);
        Assert.Equal(301, smoother.MaxCapacity);
        Assert.Equal(4, new ScoreSmoother(AlertPolicy.Default, capacity: 4).MaxCapacity);
    }

    [Fact]
    public void Add_LongWindowOnceGrown_DoesNotAllocate()
    {
        var smoother = new ScoreSmoother(AlertPolicy.Default with { SmoothingWindow = TimeSpan.FromSeconds(600) });
        for (var i = 0; i < 3000; i++)
        {
            smoother.Add(new ScoreSample(i % 7, 0.9), At(i * 200));
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 3000; i < 4000; i++)
        {
            smoother.Add(new ScoreSample(i % 7, 0.9), At(i * 200));
        }

        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
        Assert.Equal(3000, smoother.Count);
    }

    [Fact]
    public void Add_SteadyState_DoesNotAllocate()
    {
        var smoother = new ScoreSmoother(AlertPolicy.Default);
        for (var i = 0; i < 300; i++)
        {
            smoother.Add(new ScoreSample(i % 7, 0.9), At(i * 40));
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 300; i < 1300; i++)
        {
            smoother.Add(new ScoreSample(i % 7, 0.9), At(i * 40));
        }

        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
    }

    private static DateTimeOffset At(int milliseconds) => T0.AddMilliseconds(milliseconds);
}
