// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Alerting;

namespace PainStream.Core.Tests.Alerting;

public sealed class AlertPolicyTests
{
    [Fact]
    public void Validate_Defaults_NoProblems()
    {
        var policy = AlertPolicy.Default;

        Assert.Empty(policy.Validate());
        Assert.Equal(4, policy.OnThreshold);
        Assert.Equal(2.5, policy.OffThreshold);
        Assert.Equal(TimeSpan.FromSeconds(15), policy.Dwell);
        Assert.Equal(TimeSpan.FromSeconds(20), policy.Hold);
        Assert.Equal(TimeSpan.FromMinutes(10), policy.ReAlertInterval);
        Assert.Equal(TimeSpan.FromMinutes(5), policy.EscalateAfter);
    }

    [Theory]
    [InlineData(4, 4)]
    [InlineData(4, 6)]
    public void Validate_OffNotBelowOn_NamesOffThreshold(double on, double off)
    {
        var policy = AlertPolicy.Default with { OnThreshold = on, OffThreshold = off };

        var problem = Assert.Single(policy.Validate());

        Assert.StartsWith(nameof(AlertPolicy.OffThreshold), problem, StringComparison.Ordinal);
        Assert.Contains(nameof(AlertPolicy.OnThreshold), problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_SeveralBadFields_OneProblemPerProperty()
    {
        var policy = AlertPolicy.Default with
        {
            OnThreshold = 20,
            Dwell = TimeSpan.FromSeconds(-1),
            MinConfidence = double.NaN,
            SmoothingWindow = TimeSpan.Zero,
            EscalateAfter = TimeSpan.Zero,
        };

        var problems = policy.Validate();

        string[] expected =
        [
            nameof(AlertPolicy.OnThreshold), nameof(AlertPolicy.Dwell), nameof(AlertPolicy.EscalateAfter),
            nameof(AlertPolicy.MinConfidence), nameof(AlertPolicy.SmoothingWindow),
        ];
        Assert.Equal(expected, problems.Select(p => p.Split(' ')[0]));
    }

    [Fact]
    public void ThrowIfInvalid_Invalid_ThrowsWithEveryProblem()
    {
        var policy = AlertPolicy.Default with { OffThreshold = 5, Hold = TimeSpan.FromSeconds(-1) };

        var error = Assert.Throws<ArgumentException>(policy.ThrowIfInvalid);

        Assert.Contains(nameof(AlertPolicy.OffThreshold), error.Message, StringComparison.Ordinal);
        Assert.Contains(nameof(AlertPolicy.Hold), error.Message, StringComparison.Ordinal);
    }
}
