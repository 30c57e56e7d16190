// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Pipeline;

namespace PainStream.Core.Tests.Pipeline;

public sealed class ReconnectBackoffTests
{
    [Fact]
    public void Next_WithoutJitter_DoublesFromOneSecondUpToThirty()
    {
        var backoff = new ReconnectBackoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), jitter: 0);

        var delays = Enumerable.Range(0, 8).Select(_ => backoff.Next().TotalSeconds).ToArray();

        Assert.Equal([1, 2, 4, 8, 16, 30, 30, 30], delays);
    }

    [Fact]
    public void Next_ThreeSteadyAttempts_KeepsTheInitialDelayThenDoubles()
    {
        var backoff = new ReconnectBackoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), jitter: 0, steadyAttempts: 3);

        var delays = Enumerable.Range(0, 9).Select(_ => backoff.Next().TotalSeconds).ToArray();
        backoff.Reset();

        Assert.Equal([1, 1, 1, 2, 4, 8, 16, 30, 30], delays);
        Assert.Equal(TimeSpan.FromSeconds(1), backoff.Next());
    }

    [Fact]
    public void Constructor_NoSteadyAttempt_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new ReconnectBackoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), steadyAttempts: 0));

    [Fact]
    public void Next_WithJitter_StaysWithinTwentyPercentAndUnderTheCap()
    {
        var backoff = new ReconnectBackoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), jitter: 0.2, new Random(42));
        double[] nominal = [1, 2, 4, 8, 16, 30, 30, 30, 30, 30];
        var distinct = new HashSet<double>();

        foreach (var expected in nominal)
        {
            var delay = backoff.Next().TotalSeconds;
            distinct.Add(delay);
            Assert.InRange(delay, expected * 0.8, Math.Min(expected * 1.2, 30));
        }

        Assert.True(distinct.Count > 5, "jitter should spread the delays");
    }

    [Fact]
    public void Reset_AfterFailures_StartsAgainFromInitial()
    {
        var backoff = new ReconnectBackoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), jitter: 0);
        backoff.Next();
        backoff.Next();
        backoff.Next();

        backoff.Reset();

        Assert.Equal(0, backoff.Attempt);
        Assert.Equal(TimeSpan.FromSeconds(1), backoff.Next());
    }
}
