// Copyright (c) PainStream contributors. Licensed under the MIT License.

namespace PainStream.Scoring.Tests;

public sealed class BlinkFilterTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 8, 0, 0, TimeSpan.Zero);

    // Eyes closed: AU43 0.75 on top of AU4 2, AU6/7 0.5, AU9/10 1 (binary fractions, so sums are exact).
    private static readonly PspiEstimate Closed = new(2, 0.5f, 1, 0.75f, 4.25f, 0.9f);
    private static readonly PspiEstimate Open = new(2, 1.5f, 1, 0, 4.5f, 0.9f);

    [Theory]
    [InlineData(5)]
    [InlineData(25)]
    public void Apply_BlinkOf300Ms_Ignored(int fps)
    {
        var filter = new BlinkFilter();
        var closedFrames = 0;
        foreach (var (t, closed) in Frames(fps, seconds: 3, closedFrom: 1.0, closedUntil: 1.3))
        {
            var result = filter.Apply(t, closed ? Closed : Open);

            if (closed)
            {
                closedFrames++;
                Assert.Equal(Closed with { Au43 = 0, Pspi = 3.5f }, result);
            }
            else
            {
                Assert.Equal(Open, result);
            }
        }

        Assert.Equal(fps == 5 ? 2 : 8, closedFrames); // 1.0 and 1.2 s; 1.00 to 1.28 s
    }

    [Theory]
    [InlineData(5, 0.6)]
    [InlineData(25, 0.52)]
    public void Apply_ClosureOfOneSecond_CountsFromHalfASecondOn(int fps, double firstCounted)
    {
        var filter = new BlinkFilter();
        foreach (var (t, closed) in Frames(fps, seconds: 3, closedFrom: 1.0, closedUntil: 2.0))
        {
            var result = filter.Apply(t, closed ? Closed : Open);

            var since = (t - T0).TotalSeconds - 1.0;
            if (!closed)
            {
                Assert.Equal(Open, result);
            }
            else if (since < firstCounted - 1e-9)
            {
                Assert.Equal(0, result.Au43);
                Assert.Equal(3.5f, result.Pspi, 1e-5f);
                Assert.False(filter.IsSustained);
            }
            else
            {
                Assert.Equal(Closed, result);
                Assert.True(filter.IsSustained);
                Assert.True(filter.ClosedFor >= TimeSpan.FromSeconds(0.5));
            }
        }
    }

    [Fact]
    public void Apply_ClosureThenCannotScoreFrame_StartsAgain()
    {
        var filter = new BlinkFilter();
        var turned = PspiEstimate.CannotScore("head turned away");
        for (var i = 0; i <= 10; i++)
        {
            filter.Apply(At(i * 0.04), Closed); // 0 to 0.4 s closed
        }

        Assert.Equal(turned, filter.Apply(At(0.44), turned));
        Assert.Equal(TimeSpan.Zero, filter.ClosedFor);

        // Closed again from 0.48 s: the earlier 0.4 s does not count, so AU43 waits until 0.98 s.
        Assert.Equal(0, filter.Apply(At(0.48), Closed).Au43);
        Assert.Equal(0, filter.Apply(At(0.96), Closed).Au43);
        Assert.Equal(Closed, filter.Apply(At(0.98), Closed));
    }

    [Fact]
    public void Apply_GapLongerThanMaxFrameGap_StartsAgain()
    {
        var filter = new BlinkFilter();
        filter.Apply(At(0), Closed);
        filter.Apply(At(0.2), Closed);

        // Frames dropped for 1.2 s: the eyes may have opened unseen.
        Assert.Equal(0, filter.Apply(At(1.4), Closed).Au43);
        Assert.Equal(0, filter.Apply(At(1.8), Closed).Au43);
        Assert.Equal(Closed, filter.Apply(At(1.9), Closed));
    }

    [Theory]
    [InlineData(1.0, 0.1)]
    [InlineData(2.0, 0.3)]
    public void Apply_KeyFramesOnly_ClosureOnTwoConsecutiveKeyFramesCounts(double gop, double jitter)
    {
        // Keyframes decode mode: one sample per key frame, unevenly spaced (issue 17). Eyes open for ten key frames, then
        // closed on three in a row: the first closed sample alone is not a closure, the second (spanning one GOP) is.
        var filter = new BlinkFilter();
        var t = 0.0;
        for (var i = 0; i < 10; i++, t += gop + ((i % 2 == 0 ? 1 : -1) * jitter))
        {
            Assert.Equal(Open, filter.Apply(At(t), Open));
        }

        Assert.Equal(0, filter.Apply(At(t), Closed).Au43);
        t += gop + jitter;
        Assert.Equal(Closed, filter.Apply(At(t), Closed));
        t += gop - jitter;
        Assert.Equal(Closed, filter.Apply(At(t), Closed));
        Assert.True(filter.IsSustained);
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(2.0)]
    public void Apply_KeyFramesOnly_BlinkCaughtOnSingleKeyFramesNeverCounts(double gop)
    {
        // A blink (0.1-0.4 s) can land on a key frame now and then; alone, or with open key frames between, it never counts.
        var filter = new BlinkFilter();
        for (var i = 0; i < 40; i++)
        {
            var closed = i % 3 == 1;
            var result = filter.Apply(At(i * gop), closed ? Closed : Open);
            Assert.Equal(closed ? 0 : Open.Au43, result.Au43);
        }
    }

    [Fact]
    public void Apply_KeyFramesThenOutage_GapFarBeyondTheRateStartsAgain()
    {
        var filter = new BlinkFilter();
        for (var i = 0; i < 10; i++)
        {
            filter.Apply(At(i), Open);
        }

        filter.Apply(At(10), Closed);

        // 4 s without a sample (a stalled camera) at a 1 s rate: the eyes may have opened unseen.
        Assert.Equal(0, filter.Apply(At(14), Closed).Au43);
        Assert.True(filter.MaxGap < TimeSpan.FromSeconds(4), filter.MaxGap.ToString());
    }

    [Fact]
    public void Apply_TwoBlinksCloseTogether_EachIgnored()
    {
        var filter = new BlinkFilter();
        for (var i = 0; i < 50; i++)
        {
            // 25 fps; closed 0.28 s, open 0.12 s, repeatedly.
            var closed = i % 10 < 7;
            var result = filter.Apply(At(i * 0.04), closed ? Closed : Open);
            Assert.Equal(0, result.Au43);
        }
    }

    [Fact]
    public void Apply_CustomMinClosureAndThreshold_Respected()
    {
        var filter = new BlinkFilter(new BlinkFilterOptions { MinClosure = TimeSpan.Zero, ClosedAbove = 0.5f });

        Assert.Equal(Closed, filter.Apply(At(0), Closed));
        var weak = Closed with { Au43 = 0.3f };
        Assert.Equal(weak, filter.Apply(At(0.04), weak));
        Assert.False(filter.IsSustained);
    }

    [Fact]
    public void Apply_PspiNeverBelowZero()
    {
        var filter = new BlinkFilter();

        var result = filter.Apply(At(0), new PspiEstimate(0, 0, 0, 1, 0.5f, 0.8f));

        Assert.Equal(0, result.Pspi);
    }

    [Fact]
    public void Reset_ForgetsTheClosure()
    {
        var filter = new BlinkFilter();
        filter.Apply(At(0), Closed);
        filter.Reset();

        Assert.Equal(0, filter.Apply(At(0.6), Closed).Au43);
    }

    [Fact]
    public void Constructor_InvalidOptions_Throws()
    {
        Assert.Throws<ArgumentException>(() => new BlinkFilter(new BlinkFilterOptions { MinClosure = TimeSpan.FromSeconds(-1) }));
        Assert.Throws<ArgumentException>(() => new BlinkFilter(new BlinkFilterOptions { MaxFrameGap = TimeSpan.Zero }));
        Assert.Throws<ArgumentException>(() => new BlinkFilter(new BlinkFilterOptions { ClosedAbove = float.NaN }));
    }

    [Fact]
    public void Apply_DoesNotAllocate()
    {
        var filter = new BlinkFilter();
        var turned = PspiEstimate.CannotScore("head turned away");
        filter.Apply(At(0), Closed);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 1; i < 1000; i++)
        {
            filter.Apply(At(i * 0.04), (i % 20) switch { < 15 => Closed, < 18 => Open, _ => turned });
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private static DateTimeOffset At(double seconds) => T0 + TimeSpan.FromTicks((long)Math.Round(seconds * TimeSpan.TicksPerSecond));

    // Frame times at an exact rate (integer ticks), each marked closed when in [closedFrom, closedUntil).
    private static IEnumerable<(DateTimeOffset At, bool Closed)> Frames(int fps, double seconds, double closedFrom, double closedUntil)
    {
        var step = TimeSpan.TicksPerSecond / fps;
        for (var i = 0; i < seconds * fps; i++)
        {
            var t = i * step;
            yield return (T0 + TimeSpan.FromTicks(t), t >= closedFrom * TimeSpan.TicksPerSecond && t < closedUntil * TimeSpan.TicksPerSecond);
        }
    }
}
