// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Alerting;
using PainStream.Core.Frames;

namespace PainStream.Core.Tests.Alerting;

public sealed class PatientAlertMachineTests
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    [Fact]
    public void Step_SingleFrameSpike_NeverAlerts()
    {
        var driver = new AlertDriver().Feed(0, TimeSpan.FromSeconds(30));

        driver.Feed(16, TimeSpan.FromMilliseconds(40), stepMs: 40).Feed(0, TimeSpan.FromMinutes(1));

        Assert.Empty(driver.Events);
        Assert.Equal(PainAlertState.Idle, driver.Machine.State);
    }

    [Fact]
    public void Step_SpikeShorterThanDwell_NoAlert()
    {
        var driver = new AlertDriver().Feed(0, TimeSpan.FromSeconds(30));

        driver.Feed(10, TimeSpan.FromSeconds(10)).Feed(0, TimeSpan.FromMinutes(1));

        Assert.Empty(driver.Events);
        Assert.Equal(PainAlertState.Idle, driver.Machine.State);
    }

    [Fact]
    public void Step_PendingDropsBelowOffBeforeDwell_BackToIdle()
    {
        var driver = new AlertDriver(AlertDriver.Raw);

        driver.Feed(5, TimeSpan.FromSeconds(10));
        Assert.Equal(PainAlertState.Pending, driver.Machine.State);
        driver.Feed(2, Second);
        Assert.Equal(PainAlertState.Idle, driver.Machine.State);
        driver.Feed(5, TimeSpan.FromSeconds(10));

        Assert.Empty(driver.Events);
        Assert.Equal(PainAlertState.Pending, driver.Machine.State);
    }

    [Fact]
    public void Step_PendingBetweenThresholds_KeepsDwellRunning()
    {
        var driver = new AlertDriver(AlertDriver.Raw);
        driver.Feed(5, Second);
        var onset = driver.Now;

        var alert = driver.FeedUntilEvent(3, TimeSpan.FromMinutes(1));

        Assert.NotNull(alert);
        Assert.Equal(AlertEventType.New, alert.Type);
        Assert.Equal(onset.AddMilliseconds(-800), alert.StartedAt);
        Assert.Equal(alert.StartedAt + AlertPolicy.Default.Dwell, alert.Ts);
    }

    [Fact]
    public void Step_SustainedPain_OneNewAfterDwellThenEndAfterHold()
    {
        var driver = new AlertDriver().Feed(0, TimeSpan.FromSeconds(30));
        var painFrom = driver.Now;

        driver.Feed(8, TimeSpan.FromMinutes(1));
        var painTo = driver.Now;
        driver.Feed(0, TimeSpan.FromMinutes(1));

        Assert.Equal([AlertEventType.New, AlertEventType.End], driver.Events.Select(e => e.Type));
        var (alert, end) = (driver.Events[0], driver.Events[1]);
        // The median and average take a few seconds to cross the threshold; the dwell comes on top.
        Assert.InRange(alert.Ts - painFrom, TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(22));
        Assert.Equal(alert.StartedAt + TimeSpan.FromSeconds(15), alert.Ts);
        Assert.InRange(end.Ts - painTo, TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(27));
        Assert.Equal(alert.Id, end.Id);
        Assert.Equal(alert.StartedAt, end.StartedAt);
        Assert.Equal(AlertReason.Pain, alert.Reason);
        Assert.Equal(AlertPriority.Low, alert.Priority);
        Assert.Equal(AlertCause.Resolved, end.Cause);
        Assert.Equal(8, end.Peak!.Value, 3);
        Assert.Equal(PainAlertState.Idle, driver.Machine.State);
        Assert.Null(driver.Machine.GetOpenEpisode(AlertReason.Pain));
    }

    [Fact]
    public void Step_ZeroDwell_AlertsOnTheFirstSample()
    {
        var driver = new AlertDriver(AlertDriver.Raw with { Dwell = TimeSpan.Zero });

        driver.Feed(6, TimeSpan.FromMilliseconds(200));

        Assert.Equal(AlertEventType.New, Assert.Single(driver.Events).Type);
    }

    [Fact]
    public void Step_FlappingBetweenOnAndOff_NoRepeatedNew()
    {
        var driver = new AlertDriver().Feed(8, TimeSpan.FromSeconds(30));

        for (var i = 0; i < 12; i++)
        {
            driver.Feed(4.5, TimeSpan.FromSeconds(5)).Feed(3, TimeSpan.FromSeconds(5));
        }

        Assert.Equal(AlertEventType.New, Assert.Single(driver.Events).Type);
        Assert.Equal(PainAlertState.Active, driver.Machine.State);
    }

    [Fact]
    public void Step_DipsBelowOffShorterThanHold_SameEpisode()
    {
        var driver = new AlertDriver().Feed(8, TimeSpan.FromSeconds(30));

        for (var i = 0; i < 8; i++)
        {
            driver.Feed(0, TimeSpan.FromSeconds(10)).Feed(8, TimeSpan.FromSeconds(10));
        }

        Assert.Equal(AlertEventType.New, Assert.Single(driver.Events).Type);
        driver.Feed(0, TimeSpan.FromSeconds(40));
        Assert.Equal([AlertEventType.New, AlertEventType.End], driver.Events.Select(e => e.Type));
        Assert.Equal(driver.Events[0].Id, driver.Events[1].Id);
    }

    [Fact]
    public void Step_BelowOffForHold_EndsExactlyAfterHold()
    {
        var driver = new AlertDriver(AlertDriver.Raw);
        driver.FeedUntilEvent(8, TimeSpan.FromMinutes(1));
        driver.Feed(1, TimeSpan.FromMilliseconds(200));
        var drop = driver.Now;

        var end = driver.FeedUntilEvent(1, TimeSpan.FromMinutes(1))!;

        Assert.Equal(AlertEventType.End, end.Type);
        Assert.Equal(drop + AlertPolicy.Default.Hold, end.Ts);
    }

    [Fact]
    public void Step_EndingRisesToOff_BackToActiveAndHoldStartsAgain()
    {
        var driver = new AlertDriver(AlertDriver.Raw);
        driver.FeedUntilEvent(8, TimeSpan.FromMinutes(1));

        driver.Feed(1, TimeSpan.FromSeconds(15));
        Assert.Equal(PainAlertState.Ending, driver.Machine.State);
        driver.Feed(3, TimeSpan.FromMilliseconds(200));
        Assert.Equal(PainAlertState.Active, driver.Machine.State);
        driver.Feed(1, TimeSpan.FromSeconds(19));

        Assert.Single(driver.Events);
        Assert.Equal(PainAlertState.Ending, driver.Machine.State);
    }

    [Fact]
    public void Step_SteadyStateWithoutEvents_DoesNotAllocate()
    {
        // Warmed up at the rate measured below: the smoother's buffer grows to the frame rate once, then stays.
        var driver = new AlertDriver().Feed(1, TimeSpan.FromSeconds(10), stepMs: 40);
        var machine = driver.Machine;
        var now = driver.Now;
        var sample = new ScoreSample(1, 0.9);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            now = now.AddMilliseconds(40);
            machine.Step(sample, now);
        }

        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
    }

    [Fact]
    public void Step_PeakRises_UpdateWithPeak()
    {
        var driver = new AlertDriver(AlertDriver.Raw).Feed(5, TimeSpan.FromSeconds(20));

        driver.Feed(5.5, Second).Feed(7, Second).Feed(6, Second);

        Assert.Equal("Pain:New:Onset:Low, Pain:Update:PeakRise:Low", driver.Summary());
        Assert.Equal(7, driver.Events[1].Peak);
        Assert.Equal(driver.Events[0].Id, driver.Events[1].Id);
    }

    [Fact]
    public void Step_UnacknowledgedForEscalateAfter_UpdateWithHigherPriority()
    {
        var driver = new AlertDriver(AlertDriver.Raw);
        var alert = driver.FeedUntilEvent(8, TimeSpan.FromMinutes(1))!;

        var escalation = driver.FeedUntilEvent(8, TimeSpan.FromMinutes(6), stepMs: 1000);

        Assert.NotNull(escalation);
        Assert.Equal(AlertEventType.Update, escalation.Type);
        Assert.Equal(AlertCause.Escalation, escalation.Cause);
        Assert.Equal(AlertPriority.Medium, escalation.Priority);
        Assert.Equal(alert.Ts + TimeSpan.FromMinutes(5), escalation.Ts);
        Assert.Equal(alert.Id, escalation.Id);
    }

    [Fact]
    public void Step_NeverAcknowledged_EscalatesThenReAlertsAtHigh()
    {
        var driver = new AlertDriver(AlertDriver.Raw);

        driver.Feed(8, TimeSpan.FromMinutes(21), stepMs: 1000);

        Assert.Equal(
            "Pain:New:Onset:Low, Pain:Update:Escalation:Medium, Pain:Update:ReAlert:High, Pain:Update:ReAlert:High",
            driver.Summary());
    }

    [Fact]
    public void Acknowledge_ActiveEpisode_StopsEscalationUntilReAlert()
    {
        var driver = new AlertDriver(AlertDriver.Raw);
        var alert = driver.FeedUntilEvent(8, TimeSpan.FromMinutes(1))!;

        driver.Record(driver.Machine.Acknowledge(driver.Now));
        driver.Feed(8, TimeSpan.FromMinutes(9) + TimeSpan.FromSeconds(30), stepMs: 1000);

        Assert.Equal("Pain:New:Onset:Low, Pain:Update:Acknowledged:Low", driver.Summary());
        Assert.True(driver.Events[1].Acknowledged);
        Assert.Equal(alert.Id, driver.Events[1].Id);

        var reAlert = driver.FeedUntilEvent(8, TimeSpan.FromMinutes(1), stepMs: 1000)!;
        Assert.Equal(AlertCause.ReAlert, reAlert.Cause);
        Assert.Equal(AlertPriority.Medium, reAlert.Priority);
        Assert.False(reAlert.Acknowledged);
        Assert.Equal(alert.Ts + TimeSpan.FromMinutes(10), reAlert.Ts);
    }

    [Fact]
    public void Acknowledge_Twice_AnnouncesOnce()
    {
        var driver = new AlertDriver(AlertDriver.Raw);
        driver.FeedUntilEvent(8, TimeSpan.FromMinutes(1));

        Assert.Single(driver.Machine.Acknowledge(driver.Now));
        Assert.Empty(driver.Machine.Acknowledge(driver.Now));
    }

    [Fact]
    public void Step_StillActiveAfterReAlertInterval_ReAlertWithRaisedPriority()
    {
        var driver = new AlertDriver(AlertDriver.Raw with { EscalateAfter = TimeSpan.FromHours(1) });
        var alert = driver.FeedUntilEvent(8, TimeSpan.FromMinutes(1))!;

        driver.Feed(8, TimeSpan.FromMinutes(10), stepMs: 1000);

        var reAlert = Assert.Single(driver.Events, e => e.Cause == AlertCause.ReAlert);
        Assert.Equal(AlertEventType.Update, reAlert.Type);
        Assert.Equal(AlertPriority.Medium, reAlert.Priority);
        Assert.Equal(alert.Id, reAlert.Id);
        Assert.Equal(alert.Ts + TimeSpan.FromMinutes(10), reAlert.Ts);
    }

    [Fact]
    public void Snooze_ActiveEpisode_EndsItAndHoldsBackNewEpisodesUntilItEnds()
    {
        var driver = new AlertDriver(AlertDriver.Raw);
        var alert = driver.FeedUntilEvent(8, TimeSpan.FromMinutes(1))!;

        driver.Record(driver.Machine.Snooze(5, driver.Now));
        var snoozeEnd = driver.Now + TimeSpan.FromMinutes(5);
        var end = Assert.Single(driver.Events, e => e.Type == AlertEventType.End);
        Assert.Equal(AlertCause.Snoozed, end.Cause);
        Assert.Equal(alert.Id, end.Id);
        Assert.Equal(snoozeEnd, end.SnoozedUntil);

        driver.Feed(8, TimeSpan.FromMinutes(5) - Second, stepMs: 1000);
        Assert.Equal(2, driver.Events.Count);

        var next = driver.FeedUntilEvent(8, TimeSpan.FromMinutes(1), stepMs: 1000)!;
        Assert.Equal(AlertEventType.New, next.Type);
        Assert.Equal(snoozeEnd, next.Ts);
        Assert.NotEqual(alert.Id, next.Id);
        Assert.Null(next.SnoozedUntil);
    }

    [Fact]
    public void Snooze_ZeroMinutes_CancelsTheSnooze()
    {
        var driver = new AlertDriver(AlertDriver.Raw);
        driver.Record(driver.Machine.Snooze(30, driver.Now));
        driver.Feed(8, TimeSpan.FromSeconds(20));
        Assert.Empty(driver.Events);

        driver.Record(driver.Machine.Snooze(0, driver.Now));

        Assert.Equal(AlertEventType.New, Assert.Single(driver.Events).Type);
        Assert.Null(driver.Machine.SnoozedUntil);
    }

    [Fact]
    public void Step_LowConfidenceSamples_Ignored()
    {
        var driver = new AlertDriver().Feed(0, TimeSpan.FromSeconds(10));

        driver.Feed(12, TimeSpan.FromMinutes(1), confidence: 0.2);

        Assert.Empty(driver.Events);
        Assert.Null(driver.Machine.Smoothed);
        Assert.Equal(PainAlertState.Idle, driver.Machine.State);
    }

    [Fact]
    public void Step_CannotScoreDuringEpisode_EpisodeStaysActive()
    {
        var driver = new AlertDriver();
        driver.FeedUntilEvent(8, TimeSpan.FromMinutes(1));

        for (var i = 0; i < 60; i++)
        {
            driver.Time.Advance(Second);
            driver.Record(driver.Machine.Step(ScoreSample.CannotScore("turned away"), driver.Now));
        }

        Assert.Single(driver.Events);
        Assert.Equal(PainAlertState.Active, driver.Machine.State);
        Assert.Null(driver.Machine.Smoothed);
    }

    [Fact]
    public void UpdatePolicy_DuringEpisode_KeepsTheEpisodeAndAppliesNewTimings()
    {
        var driver = new AlertDriver(AlertDriver.Raw);
        var alert = driver.FeedUntilEvent(8, TimeSpan.FromMinutes(1))!;

        driver.Machine.UpdatePolicy(AlertDriver.Raw with { EscalateAfter = TimeSpan.FromMinutes(1), OnThreshold = 6, OffThreshold = 5 });
        var escalation = driver.FeedUntilEvent(8, TimeSpan.FromMinutes(2), stepMs: 1000)!;

        Assert.Equal(PainAlertState.Active, driver.Machine.State);
        Assert.Equal(alert.Id, escalation.Id);
        Assert.Equal(AlertCause.Escalation, escalation.Cause);
        Assert.Equal(alert.Ts + TimeSpan.FromMinutes(1), escalation.Ts);
        Assert.Equal(alert.Id, driver.Machine.GetOpenEpisode(AlertReason.Pain)!.Id);
        Assert.Equal(6, driver.Machine.Policy.OnThreshold);
    }

    [Fact]
    public void UpdatePolicy_Invalid_ThrowsAndKeepsTheOldPolicy()
    {
        var driver = new AlertDriver();

        Assert.Throws<ArgumentException>(() => driver.Machine.UpdatePolicy(AlertPolicy.Default with { OffThreshold = 9 }));

        Assert.Same(AlertPolicy.Default, driver.Machine.Policy);
    }

    [Fact]
    public void Constructor_InvalidBedOrPolicy_Throws()
    {
        Assert.Throws<ArgumentException>(() => new PatientAlertMachine(new CameraId("cam"), "Bed 1", AlertPolicy.Default));
        Assert.Throws<ArgumentException>(() => new PatientAlertMachine(new CameraId("cam"), "bed", AlertPolicy.Default with { OnThreshold = 1 }));
    }

    [Fact]
    public void SetCameraOnline_OfflineThenOnline_OwnEpisodeBesideThePainEpisode()
    {
        var driver = new AlertDriver(AlertDriver.Raw);
        var pain = driver.FeedUntilEvent(8, TimeSpan.FromMinutes(1))!;

        driver.Record(driver.Machine.SetCameraOnline(false, driver.Now));
        driver.Tick(TimeSpan.FromMinutes(10));
        driver.Record(driver.Machine.SetCameraOnline(true, driver.Now));

        var offline = driver.Events.Where(e => e.Reason == AlertReason.CameraOffline).ToList();
        Assert.Equal([AlertEventType.New, AlertEventType.End], offline.Select(e => e.Type));
        Assert.Equal(offline[0].Id, offline[1].Id);
        Assert.NotEqual(pain.Id, offline[0].Id);
        Assert.Equal(AlertPriority.Medium, offline[0].Priority);
        Assert.Null(offline[0].Score);
        Assert.DoesNotContain(driver.Events, e => e.Reason == AlertReason.FaceNotVisible);
        Assert.Equal(pain.Id, driver.Machine.GetOpenEpisode(AlertReason.Pain)!.Id);
    }

    [Fact]
    public void Tick_NoScorableFaceForFaceNotVisibleAfter_TechnicalAlarmUntilTheNextSample()
    {
        var driver = new AlertDriver().Feed(1, Second);

        driver.Tick(TimeSpan.FromMinutes(5) - Second);
        Assert.Empty(driver.Events);
        driver.Tick(TimeSpan.FromSeconds(2));
        var alarm = Assert.Single(driver.Events);
        Assert.Equal((AlertReason.FaceNotVisible, AlertEventType.New, AlertPriority.Low), (alarm.Reason, alarm.Type, alarm.Priority));

        driver.Tick(TimeSpan.FromMinutes(5));
        driver.Feed(1, TimeSpan.FromMilliseconds(200));

        Assert.Equal(2, driver.Events.Count);
        Assert.Equal((AlertEventType.End, alarm.Id), (driver.Events[1].Type, driver.Events[1].Id));
    }

    [Fact]
    public void SetCameraOnline_ReportedOnlineEverySecond_FaceNotVisibleStillFires()
    {
        var driver = new AlertDriver().Feed(1, Second);

        // As the patient stage does: the camera state on every one-second tick, with no scorable face.
        for (var i = 0; i < 301; i++)
        {
            driver.Time.Advance(Second);
            driver.Record(driver.Machine.SetCameraOnline(true, driver.Now));
            driver.Record(driver.Machine.Tick(driver.Now));
        }

        var alarm = Assert.Single(driver.Events);
        Assert.Equal((AlertReason.FaceNotVisible, AlertEventType.New), (alarm.Reason, alarm.Type));
    }

    [Fact]
    public void ResetBaseline_ActiveEpisode_EndsItForgetsTheScoreAndGoesIdle()
    {
        var driver = new AlertDriver(AlertDriver.Raw);
        var pain = driver.FeedUntilEvent(8, TimeSpan.FromMinutes(1))!;
        driver.Record(driver.Machine.SetScorerFailed(true, driver.Now));

        var events = driver.Machine.ResetBaseline(driver.Now);

        var end = Assert.Single(events);
        Assert.Equal((AlertEventType.End, AlertCause.BaselineReset, pain.Id), (end.Type, end.Cause, end.Id));
        Assert.Equal(8, end.Score);
        Assert.Equal(PainAlertState.Idle, driver.Machine.State);
        Assert.Null(driver.Machine.Smoothed);
        Assert.NotNull(driver.Machine.GetOpenEpisode(AlertReason.ScorerFailed)); // technical alarms are about the bed, not the patient
        Assert.Empty(driver.Machine.ResetBaseline(driver.Now));
    }

    [Fact]
    public void ResetBaseline_Pending_DropsTheOnsetWithoutAnEvent()
    {
        var driver = new AlertDriver(AlertDriver.Raw).Feed(8, Second);
        Assert.Equal(PainAlertState.Pending, driver.Machine.State);

        Assert.Empty(driver.Machine.ResetBaseline(driver.Now));

        Assert.Equal(PainAlertState.Idle, driver.Machine.State);
        Assert.Empty(driver.Events);
    }

    [Fact]
    public void EndAll_PainAndTechnicalOpen_EndsEveryEpisodeWithTheCause()
    {
        var driver = new AlertDriver(AlertDriver.Raw);
        driver.FeedUntilEvent(8, TimeSpan.FromMinutes(1));
        driver.Record(driver.Machine.SetCameraOnline(false, driver.Now));
        driver.Record(driver.Machine.SetScorerFailed(true, driver.Now));

        var ends = driver.Machine.EndAll(AlertCause.Removed, driver.Now);

        Assert.Equal([AlertReason.Pain, AlertReason.CameraOffline, AlertReason.ScorerFailed], ends.Select(e => e.Reason));
        Assert.All(ends, e => Assert.Equal((AlertEventType.End, AlertCause.Removed), (e.Type, e.Cause)));
        Assert.All(Enum.GetValues<AlertReason>(), r => Assert.Null(driver.Machine.GetOpenEpisode(r)));
        Assert.Equal(PainAlertState.Idle, driver.Machine.State);
    }

    [Fact]
    public void SetScorerFailed_FailsThenRecovers_OwnEpisode()
    {
        var driver = new AlertDriver();

        driver.Record(driver.Machine.SetScorerFailed(true, driver.Now));
        driver.Tick(TimeSpan.FromMinutes(10));
        driver.Record(driver.Machine.SetScorerFailed(false, driver.Now));

        Assert.Equal("ScorerFailed:New:Onset:Medium, ScorerFailed:End:Resolved:Medium", driver.Summary());
        Assert.Equal(driver.Events[0].Id, driver.Events[1].Id);
    }

    [Fact]
    public void Acknowledge_TechnicalAndPainOpen_AcknowledgesEach()
    {
        var driver = new AlertDriver(AlertDriver.Raw);
        driver.FeedUntilEvent(8, TimeSpan.FromMinutes(1));
        driver.Record(driver.Machine.SetScorerFailed(true, driver.Now));

        var acks = driver.Machine.Acknowledge(driver.Now);

        Assert.Equal([AlertReason.Pain, AlertReason.ScorerFailed], acks.Select(e => e.Reason));
        Assert.All(acks, e => Assert.Equal(AlertCause.Acknowledged, e.Cause));
    }
}
