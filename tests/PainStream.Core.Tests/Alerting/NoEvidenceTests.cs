// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Alerting;
using PainStream.Core.Options;

namespace PainStream.Core.Tests.Alerting;

/// <summary>Issue 12 item 4: an active pain episode without accepted evidence ends with its own cause; an offline camera does not end it.</summary>
public sealed class NoEvidenceTests
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    [Fact]
    public void ActiveEpisode_NoScorableFaceFor30Minutes_EndsWithNoEvidence_FaceNotVisibleOpensAsToday()
    {
        var driver = RaisedEpisode(AlertPolicy.Default);
        var lastEvidence = driver.Now;

        driver.FeedCannotScore(TimeSpan.FromMinutes(29.5));
        Assert.Equal(PainAlertState.Active, driver.Machine.State);
        Assert.NotNull(driver.Machine.GetOpenEpisode(AlertReason.FaceNotVisible));
        var faceNotVisible = Assert.Single(driver.Events, e => e.Reason == AlertReason.FaceNotVisible);
        Assert.Equal(AlertEventType.New, faceNotVisible.Type);
        Assert.InRange(faceNotVisible.Ts - lastEvidence, TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));

        driver.FeedCannotScore(Minute);

        var end = Assert.Single(driver.Events, e => e.Reason == AlertReason.Pain && e.Type == AlertEventType.End);
        Assert.Equal(AlertCause.NoEvidence, end.Cause);
        Assert.InRange(end.Ts - lastEvidence, TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(30) + TimeSpan.FromSeconds(1));
        Assert.Equal(PainAlertState.Idle, driver.Machine.State);
        Assert.Null(driver.Machine.GetOpenEpisode(AlertReason.Pain));
        Assert.NotNull(driver.Machine.GetOpenEpisode(AlertReason.FaceNotVisible));
    }

    [Fact]
    public void ActiveEpisode_OnlyLowConfidenceSamples_IsNoEvidence()
    {
        // Scores below MinConfidence are published but not accepted: they are no evidence either way.
        var driver = RaisedEpisode(AlertPolicy.Default with { NoEvidenceAfter = TimeSpan.FromMinutes(10) });
        var lastEvidence = driver.Now;

        driver.Feed(9, TimeSpan.FromMinutes(11), stepMs: 1000, confidence: 0.2);

        var end = Assert.Single(driver.Events, e => e.Reason == AlertReason.Pain && e.Type == AlertEventType.End);
        Assert.Equal(AlertCause.NoEvidence, end.Cause);
        Assert.InRange(end.Ts - lastEvidence, TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(10) + TimeSpan.FromSeconds(1));
    }

    [Fact]
    public void ActiveEpisode_AcceptedSamplesNow_AndThen_NeverEndsForLackOfEvidence()
    {
        // One accepted sample every 20 minutes keeps the episode evidenced (the score stays high, so it stays active).
        var driver = RaisedEpisode(AlertPolicy.Default);
        for (var i = 0; i < 6; i++)
        {
            driver.FeedCannotScore(TimeSpan.FromMinutes(20));
            driver.Feed(9, TimeSpan.FromSeconds(1));
        }

        Assert.DoesNotContain(driver.Events, e => e.Type == AlertEventType.End && e.Reason == AlertReason.Pain);
        Assert.Equal(PainAlertState.Active, driver.Machine.State);
    }

    [Fact]
    public void CameraOffline_ActiveEpisodeKeepsEscalating_AndTheNoEvidenceClockRestartsWhenItComesBack()
    {
        var driver = RaisedEpisode(AlertPolicy.Default);
        driver.Record(driver.Machine.SetCameraOnline(false, driver.Now));

        // Two hours without a frame: the pain alert stays open and keeps escalating and re-alerting.
        driver.Tick(TimeSpan.FromHours(2));
        Assert.Equal(PainAlertState.Active, driver.Machine.State);
        Assert.DoesNotContain(driver.Events, e => e.Reason == AlertReason.Pain && e.Type == AlertEventType.End);
        Assert.Contains(driver.Events, e => e.Reason == AlertReason.Pain && e.Cause == AlertCause.Escalation);
        Assert.True(driver.Events.Count(e => e.Reason == AlertReason.Pain && e.Cause == AlertCause.ReAlert) >= 10, driver.Summary());
        Assert.Equal(AlertPriority.High, driver.Machine.GetOpenEpisode(AlertReason.Pain)!.Priority);
        Assert.DoesNotContain(driver.Events, e => e.Reason == AlertReason.FaceNotVisible);

        // Back online but still no face: the no-evidence clock starts at the camera's return.
        driver.Record(driver.Machine.SetCameraOnline(true, driver.Now));
        var back = driver.Now;
        driver.Tick(TimeSpan.FromMinutes(29));
        Assert.Equal(PainAlertState.Active, driver.Machine.State);
        driver.Tick(TimeSpan.FromMinutes(2));

        var end = Assert.Single(driver.Events, e => e.Reason == AlertReason.Pain && e.Type == AlertEventType.End);
        Assert.Equal(AlertCause.NoEvidence, end.Cause);
        Assert.InRange(end.Ts - back, TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(30) + TimeSpan.FromSeconds(1));
    }

    [Fact]
    public void ScorerFailing_DoesNotCountAsNoEvidence()
    {
        var driver = RaisedEpisode(AlertPolicy.Default);
        driver.Record(driver.Machine.SetScorerFailed(true, driver.Now));

        driver.Tick(TimeSpan.FromHours(1));

        Assert.Equal(PainAlertState.Active, driver.Machine.State);
        Assert.DoesNotContain(driver.Events, e => e.Reason == AlertReason.Pain && e.Type == AlertEventType.End);
    }

    [Fact]
    public void NoEvidenceAfter_IsConfigurable_WithCameraAndBedOverrides_AndValidated()
    {
        var options = new AlertingOptions();
        Assert.Equal(TimeSpan.FromMinutes(30), options.Resolve().NoEvidenceAfter);
        Assert.Equal(TimeSpan.FromMinutes(45), new AlertingOptions { NoEvidenceMinutes = 45 }.Resolve().NoEvidenceAfter);
        Assert.Equal(TimeSpan.FromMinutes(12), options.Resolve(new AlertingOverrides { NoEvidenceMinutes = 20 }, new AlertingOverrides { NoEvidenceMinutes = 12 }).NoEvidenceAfter);
        Assert.Equal(TimeSpan.FromMinutes(20), options.ResolveInfant(new AlertingOverrides { NoEvidenceMinutes = 20 }).NoEvidenceAfter);

        Assert.Contains((AlertPolicy.Default with { NoEvidenceAfter = TimeSpan.Zero }).Validate(), p => p.StartsWith(nameof(AlertPolicy.NoEvidenceAfter), StringComparison.Ordinal));
    }

    [Fact]
    public void ConfidenceScale_LearnedModel_IsTheMassOfThePredictedClassAndItsNeighbours()
    {
        // da5 class values (midpoints) in a shuffled order: neighbours are by value, not by index.
        float[] values = [0, 5, 1, 11.5f, 2.5f];
        float[] p = [0.40f, 0.05f, 0.30f, 0.05f, 0.20f];

        // Predicted class 0 (PSPI 0): its neighbour on the scale is the class of value 1 (index 2).
        Assert.Equal(0.70, ConfidenceScale.FromClassProbabilities(p, values, 0), 1e-6);

        // Predicted class of value 2.5 (index 4): neighbours 1 (index 2) and 5 (index 1).
        Assert.Equal(0.55, ConfidenceScale.FromClassProbabilities(p, values, 4), 1e-6);

        // Certain model: 1. Uniform over five classes: at most 3/5, never above 1.
        Assert.Equal(1, ConfidenceScale.FromClassProbabilities([0, 0, 1, 0, 0], [0, 1, 2, 3, 4], 2), 1e-6);
        Assert.Equal(0.4, ConfidenceScale.FromClassProbabilities([0.2f, 0.2f, 0.2f, 0.2f, 0.2f], [0, 1, 2, 3, 4], 0), 1e-6);
        Assert.Throws<ArgumentException>(() => ConfidenceScale.FromClassProbabilities([0.5f, 0.5f], [0, 1, 2], 0));
    }

    private static AlertDriver RaisedEpisode(AlertPolicy policy)
    {
        var driver = new AlertDriver(policy);
        driver.Feed(0, TimeSpan.FromSeconds(10)).Feed(9, TimeSpan.FromSeconds(30));
        Assert.Equal(PainAlertState.Active, driver.Machine.State);
        Assert.Single(driver.Events, e => e.Reason == AlertReason.Pain && e.Type == AlertEventType.New);
        return driver;
    }
}
