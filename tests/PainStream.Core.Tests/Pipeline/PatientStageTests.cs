// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Collections.Frozen;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using PainStream.Core.Alerting;
using PainStream.Core.Cameras;
using PainStream.Core.Detection;
using PainStream.Core.Diagnostics;
using PainStream.Core.Frames;
using PainStream.Core.Pipeline;
using PainStream.Core.Publishing;
using PainStream.Core.Scoring;
using PainStream.Core.Tracking;
using PainStream.Testing;

namespace PainStream.Core.Tests.Pipeline;

public sealed class PatientStageTests : IDisposable
{
    private static readonly CameraId Cam = new("ward-3");
    private static readonly AlertPolicy Fast = new() { Dwell = TimeSpan.FromSeconds(2), Hold = TimeSpan.FromSeconds(2), SmoothingWindow = TimeSpan.FromSeconds(1), SmoothingTimeConstant = TimeSpan.Zero };
    private readonly TestMeterFactory _meters = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 23, 8, 0, 0, TimeSpan.Zero));
    private readonly CameraRegistry _registry;
    private readonly CameraCatalog _catalog = new();
    private readonly RecordingAlertPublisher _alerts = new();
    private readonly ScriptedScorerFactory _scorers = new();
    private readonly PatientStage _stage;
    private TimeSpan _scoreInterval = TimeSpan.FromSeconds(1);

    public PatientStageTests()
    {
        _registry = new CameraRegistry(new RecordingPublisher(), _time);
        _registry.SetOnline(Cam);
        SetBeds(("left", new NormalizedRegion(0, 0, 0.5, 1), Fast), ("right", new NormalizedRegion(0.5, 0, 0.5, 1), Fast));
        var metrics = new PipelineMetrics(_meters, _registry, new FramePool());
        _stage = new PatientStage(_scorers, _alerts, _catalog, _registry, metrics, new LargestFaceBedAssigner(), () => _scoreInterval, NullLogger<PatientStage>.Instance, _time);
    }

    public void Dispose()
    {
        _stage.Dispose();
        _meters.Dispose();
    }

    [Fact]
    public async Task SustainedScore_OnOneBed_RaisesOneEpisodeForThatBedOnly()
    {
        await StepAsync(Face(100, 100)); // left bed
        _scorers.Scorers["ward-3/left"].Pspi = 8;
        for (var i = 0; i < 20; i++)
        {
            _time.Advance(TimeSpan.FromMilliseconds(200));
            await StepAsync(Face(100, 100), Face(500, 100));
        }

        var alert = Assert.Single(_alerts.Alerts);
        Assert.Equal(AlertEventType.New, alert.Type);
        Assert.Equal(AlertReason.Pain, alert.Reason);
        Assert.Equal("left", alert.Bed);
        Assert.Equal("scripted", alert.Model);
        Assert.Equal(8, alert.Explanation!["pspi"]);
        Assert.Equal(2, _stage.PatientCount);
    }

    [Fact]
    public async Task SingleFrameSpike_NeverAlerts()
    {
        var scorer = await PrimeAsync();
        scorer.Pspi = 16;
        await AdvanceAndStepAsync(TimeSpan.FromMilliseconds(200));
        scorer.Pspi = 0;
        for (var i = 0; i < 30; i++)
        {
            await AdvanceAndStepAsync(TimeSpan.FromMilliseconds(200));
        }

        Assert.Empty(_alerts.Alerts);
    }

    [Fact]
    public async Task BaselineIsLearntOnlyWhileNoEpisodeIsPendingOrActive()
    {
        var scorer = await PrimeAsync();
        Assert.True(scorer.LearnFlags[^1]);
        scorer.Pspi = 9;
        for (var i = 0; i < 5; i++)
        {
            await AdvanceAndStepAsync(TimeSpan.FromMilliseconds(200));
        }

        Assert.False(scorer.LearnFlags[^1]);
    }

    [Fact]
    public async Task Scores_AreThrottledPerBed()
    {
        _scoreInterval = TimeSpan.FromSeconds(1);
        for (var i = 0; i < 10; i++)
        {
            await StepAsync(Face(100, 100));
            _time.Advance(TimeSpan.FromMilliseconds(200));
        }

        // 2 s of frames at 5 fps: a report at t=0 and at t=1 s for each bed ("right" has no face: quality "no face").
        Assert.Equal(2, _alerts.Scores.Count(s => s.Bed == "left"));
        Assert.Equal(2, _alerts.Scores.Count(s => s.Bed == "right"));
        Assert.All(_alerts.Scores.Where(s => s.Bed == "right"), s => Assert.Equal(PatientStage.NoFaceReason, s.Quality));
        Assert.All(_alerts.Scores.Where(s => s.Bed == "right"), s => Assert.Null(s.Pspi));
        Assert.All(_alerts.Scores.Where(s => s.Bed == "left"), s => Assert.Equal("ok", s.Quality));
    }

    [Fact]
    public async Task QualityIssue_IsReportedAsCannotScoreNotAsZero()
    {
        await StepAsync(Face(100, 100) with { QualityIssue = "head turned away" });
        var report = Assert.Single(_alerts.Scores, s => s.Bed == "left");
        Assert.Null(report.Pspi);
        Assert.Equal("head turned away", report.Quality);
    }

    [Fact]
    public async Task NotAFace_IsNoFaceForTheBed_AndNeverScoredNorLearnt()
    {
        // Issue 13 item 3: a detection the analyser found not to be a face (noise, a fractal) is dropped before bed
        // assignment: the scorer never sees it (no baseline sample, no score) and the bed reports "no face".
        var noise = Face(100, 100) with { QualityIssue = FaceAnalysis.NotAFace };
        await StepAsync(noise);

        Assert.False(_scorers.Scorers.TryGetValue("ward-3/left", out var left) && left.LearnFlags.Count > 0);
        var report = Assert.Single(_alerts.Scores, s => s.Bed == "left");
        Assert.Equal(PatientStage.NoFaceReason, report.Quality);
    }

    [Fact]
    public async Task NotAFace_LargerThanTheRealFace_DoesNotTakeTheBed()
    {
        // The largest-face assigner would pick the bigger box; the acceptance gate removes it first.
        var noise = new FaceAnalysis(new BoxF(50, 50, 300, 300), 0.9f, new PointF[68], null, FaceAnalysis.NotAFace);
        await StepAsync(noise, Face(100, 100));

        var report = Assert.Single(_alerts.Scores, s => s.Bed == "left");
        Assert.Equal("ok", report.Quality);
        Assert.Single(_scorers.Scorers["ward-3/left"].LearnFlags);
    }

    [Fact]
    public void AcceptedFaces_NothingToDrop_ReturnsTheSameList()
    {
        IReadOnlyList<FaceAnalysis> faces = [Face(1, 1), Face(200, 1)];

        Assert.Same(faces, PatientStage.AcceptedFaces(faces));
        Assert.Single(PatientStage.AcceptedFaces([Face(1, 1), Face(2, 2) with { QualityIssue = FaceAnalysis.NotAFace }]));
    }

    [Fact]
    public async Task CommandEvents_NameTheAuthenticatedUser_NotTheFreeTextBy_UnknownTargetsAreRejections()
    {
        await RaiseEpisodeAsync();
        var before = _alerts.Alerts.Count;

        var ack = await _stage.HandleAsync(new AlertCommand(AlertCommandKind.Acknowledge, Cam, "left", By: "somebody", User: "nurse-anna"), TestContext.Current.CancellationToken);
        var snooze = await _stage.HandleAsync(new AlertCommand(AlertCommandKind.Snooze, Cam, "left", Minutes: 5, User: "ops-olga"), TestContext.Current.CancellationToken);
        var unknown = await _stage.HandleAsync(new AlertCommand(AlertCommandKind.Acknowledge, Cam, "window", User: "nurse-anna"), TestContext.Current.CancellationToken);

        Assert.True(ack.Ok && snooze.Ok);
        var caused = _alerts.Alerts.Skip(before).ToList();
        Assert.Equal([(AlertCause.Acknowledged, "nurse-anna"), (AlertCause.Snoozed, "ops-olga")], caused.Select(e => (e.Cause, e.By!)));
        Assert.Null(_alerts.Alerts.First().By); // raised by a frame, not a command
        Assert.Equal((false, true), (unknown.Ok, unknown.Rejected));
    }

    [Fact]
    public async Task Acknowledge_Snooze_Reset_AreApplied_UnknownTargetsAreErrors()
    {
        var scorer = await RaiseEpisodeAsync();

        var ack = await _stage.HandleAsync(new AlertCommand(AlertCommandKind.Acknowledge, Cam, "left", By: "nurse 4"), TestContext.Current.CancellationToken);
        Assert.True(ack.Ok);
        var acked = _alerts.Alerts.Last();
        Assert.Equal(AlertCause.Acknowledged, acked.Cause);
        Assert.True(acked.Acknowledged);

        var snooze = await _stage.HandleAsync(new AlertCommand(AlertCommandKind.Snooze, Cam, "left", Minutes: 15), TestContext.Current.CancellationToken);
        Assert.True(snooze.Ok);
        Assert.Equal(AlertEventType.End, _alerts.Alerts.Last().Type);
        Assert.Equal(AlertCause.Snoozed, _alerts.Alerts.Last().Cause);

        var reset = await _stage.HandleAsync(new AlertCommand(AlertCommandKind.BaselineReset, Cam, "left"), TestContext.Current.CancellationToken);
        Assert.True(reset.Ok);
        Assert.Equal(1, scorer.Resets);

        var badBed = await _stage.HandleAsync(new AlertCommand(AlertCommandKind.Acknowledge, Cam, "window"), TestContext.Current.CancellationToken);
        Assert.False(badBed.Ok);
        Assert.Contains("unknown bed 'window'", badBed.Error, StringComparison.Ordinal);
        var badCamera = await _stage.HandleAsync(new AlertCommand(AlertCommandKind.Acknowledge, new CameraId("nope"), "left"), TestContext.Current.CancellationToken);
        Assert.False(badCamera.Ok);
        Assert.Contains("unknown camera 'nope'", badCamera.Error, StringComparison.Ordinal);
        var badMinutes = await _stage.HandleAsync(new AlertCommand(AlertCommandKind.Snooze, Cam, "left", Minutes: 1441), TestContext.Current.CancellationToken);
        Assert.False(badMinutes.Ok);
        Assert.False((await _stage.HandleAsync(new AlertCommand(AlertCommandKind.Snooze, Cam, "left", Minutes: -1), TestContext.Current.CancellationToken)).Ok);
    }

    [Fact]
    public async Task Snooze_ZeroMinutes_CancelsTheRunningSnooze()
    {
        var scorer = await RaiseEpisodeAsync();
        Assert.True((await _stage.HandleAsync(new AlertCommand(AlertCommandKind.Snooze, Cam, "left", Minutes: 1440), TestContext.Current.CancellationToken)).Ok);
        Assert.Equal(AlertCause.Snoozed, _alerts.Alerts.Last().Cause);
        for (var i = 0; i < 20; i++)
        {
            await AdvanceAndStepAsync(TimeSpan.FromMilliseconds(200));
        }

        Assert.Equal(2, _alerts.Alerts.Count); // the pain goes on, but the snooze holds it back

        var cancel = await _stage.HandleAsync(new AlertCommand(AlertCommandKind.Snooze, Cam, "left", Minutes: 0), TestContext.Current.CancellationToken);
        Assert.True(cancel.Ok, cancel.Error);
        await AdvanceAndStepAsync(TimeSpan.FromMilliseconds(200));

        // The onset was pending through the snooze: with the snooze cancelled it alerts at once, as a new episode.
        var renewed = _alerts.Alerts.Last();
        Assert.Equal((AlertEventType.New, AlertReason.Pain), (renewed.Type, renewed.Reason));
        Assert.NotEqual(_alerts.Alerts.First().Id, renewed.Id);
        Assert.Equal(9, scorer.Pspi);
    }

    [Fact]
    public async Task BaselineReset_DuringAnOpenEpisode_EndsItAndTheNewBaselineIsLearnt()
    {
        var scorer = await RaiseEpisodeAsync();
        var episode = _alerts.Alerts.Single().Id;

        var reset = await _stage.HandleAsync(new AlertCommand(AlertCommandKind.BaselineReset, Cam, "left", By: "nurse 4"), TestContext.Current.CancellationToken);

        Assert.True(reset.Ok);
        Assert.Equal(1, scorer.Resets);
        var end = _alerts.Alerts.Last();
        Assert.Equal((AlertEventType.End, AlertCause.BaselineReset, episode), (end.Type, end.Cause, end.Id));

        // Like the geometric scorer after a reset: nothing scorable until the new baseline is learnt. The bed is idle, so it
        // learns, and no re-alert or escalation of the old episode comes (ReAlert/EscalateAfter are minutes; 15 min pass).
        scorer.CannotScoreReason = "learning baseline";
        for (var i = 0; i < 900; i++)
        {
            await AdvanceAndStepAsync(TimeSpan.FromSeconds(1));
            await _stage.TickAsync(TestContext.Current.CancellationToken);
        }

        Assert.True(scorer.LearnFlags[^1]);
        Assert.Equal(2, _alerts.Alerts.Count(a => a.Reason == AlertReason.Pain));
    }

    [Fact]
    public async Task RemovedBed_WithAnOpenEpisode_EndsIt_SoTheBedStateClears()
    {
        await RaiseEpisodeAsync();
        var episode = _alerts.Alerts.Single().Id;

        SetBeds(("right", new NormalizedRegion(0.5, 0, 0.5, 1), Fast));
        await _stage.TickAsync(TestContext.Current.CancellationToken);

        var end = _alerts.Alerts.Last();
        Assert.Equal((AlertEventType.End, AlertCause.Removed, episode, "left"), (end.Type, end.Cause, end.Id, end.Bed));
        Assert.Equal(1, _stage.PatientCount);
    }

    [Fact]
    public async Task RemovedCamera_EndsEveryOpenEpisodeOfItsBeds_PainAndTechnical()
    {
        await RaiseEpisodeAsync();
        _registry.SetOffline(Cam, "connection refused");
        await _stage.TickAsync(TestContext.Current.CancellationToken);
        Assert.Equal(2, _alerts.Alerts.Count(a => a is { Reason: AlertReason.CameraOffline, Type: AlertEventType.New }));

        _catalog.Update(FrozenDictionary<CameraId, CameraSettings>.Empty);
        await _stage.TickAsync(TestContext.Current.CancellationToken);

        var ends = _alerts.Alerts.Where(a => a.Type == AlertEventType.End).ToList();
        Assert.Equal(3, ends.Count); // left: pain and camera offline; right: camera offline
        Assert.All(ends, e => Assert.Equal(AlertCause.Removed, e.Cause));
        Assert.Equal(0, _stage.PatientCount);
    }

    [Fact]
    public async Task CameraMovedToAnotherShard_EndsItsOpenEpisodesAsMoved()
    {
        await RaiseEpisodeAsync();
        var episode = _alerts.Alerts.Single().Id;

        // The shard count changed and the hash gives the camera to another instance (issue 16).
        _catalog.Update(FrozenDictionary<CameraId, CameraSettings>.Empty, new[] { Cam }.ToFrozenSet());
        await _stage.TickAsync(TestContext.Current.CancellationToken);

        var end = _alerts.Alerts.Last();
        Assert.Equal((AlertEventType.End, AlertCause.Moved, episode), (end.Type, end.Cause, end.Id));
        Assert.Equal(0, _stage.PatientCount);
    }

    [Fact]
    public async Task ConfiguredCameraWithoutAFrame_BedsFollowedFromStart_OfflineAlarmOnceCaptureReportsTheOutage()
    {
        var late = new CameraId("ward-9");
        _catalog.Update(new Dictionary<CameraId, CameraSettings>
        {
            [late] = new(late, "rtsp://cam9/stream", true, 5, 800, 400, null) { Beds = [new BedSettings("bed", new NormalizedRegion(0, 0, 1, 1), Fast)] },
        }.ToFrozenDictionary());

        // Capture is still starting: the bed is followed, but that is no outage yet.
        await _stage.TickAsync(TestContext.Current.CancellationToken);
        Assert.Equal(1, _stage.PatientCount);
        Assert.Empty(_alerts.Alerts);

        _registry.SetOffline(late, "connection refused");
        _time.Advance(TimeSpan.FromSeconds(1));
        await _stage.TickAsync(TestContext.Current.CancellationToken);

        var alarm = Assert.Single(_alerts.Alerts);
        Assert.Equal((AlertReason.CameraOffline, AlertEventType.New, "bed"), (alarm.Reason, alarm.Type, alarm.Bed));
    }

    [Fact]
    public async Task CaptureStoppedByPainStream_IsNoOutage()
    {
        await PrimeAsync();
        _registry.SetStopped(Cam, "PainStream stopped");
        _time.Advance(TimeSpan.FromSeconds(1));
        await _stage.TickAsync(TestContext.Current.CancellationToken);

        Assert.Empty(_alerts.Alerts);
    }

    [Fact]
    public async Task DisabledCamera_NoOfflineAlarm_OpenEpisodeEndsAndItsBedsAreNoLongerFollowed()
    {
        await RaiseEpisodeAsync();
        var episode = _alerts.Alerts.Single().Id;

        SetBeds(enabled: false, ("left", new NormalizedRegion(0, 0, 0.5, 1), Fast), ("right", new NormalizedRegion(0.5, 0, 0.5, 1), Fast));
        _registry.SetDisabled(Cam);
        _time.Advance(TimeSpan.FromSeconds(1));
        await _stage.TickAsync(TestContext.Current.CancellationToken);
        await AdvanceAndStepAsync(TimeSpan.FromSeconds(1));
        await _stage.TickAsync(TestContext.Current.CancellationToken);

        var end = Assert.Single(_alerts.Alerts, a => a.Type == AlertEventType.End);
        Assert.Equal((AlertCause.Disabled, episode), (end.Cause, end.Id));
        Assert.DoesNotContain(_alerts.Alerts, a => a.Reason == AlertReason.CameraOffline);
        Assert.Equal(0, _stage.PatientCount);
        var ack = await _stage.HandleAsync(new AlertCommand(AlertCommandKind.Acknowledge, Cam, "left"), TestContext.Current.CancellationToken);
        Assert.False(ack.Ok);
        Assert.Contains("disabled", ack.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OnlineCameraWithoutAFace_FaceNotVisibleAlarmFiresDespiteTheTicks()
    {
        var slow = Fast with { FaceNotVisibleAfter = TimeSpan.FromSeconds(30) };
        SetBeds(("left", new NormalizedRegion(0, 0, 0.5, 1), slow), ("right", new NormalizedRegion(0.5, 0, 0.5, 1), slow));
        for (var i = 0; i < 31; i++)
        {
            await _stage.TickAsync(TestContext.Current.CancellationToken);
            _time.Advance(TimeSpan.FromSeconds(1));
            await StepAsync();
        }

        Assert.Equal(2, _alerts.Alerts.Count(a => a is { Reason: AlertReason.FaceNotVisible, Type: AlertEventType.New }));
    }

    [Fact]
    public async Task CameraOffline_RaisesATechnicalAlarmOnTheTick_AndEndsItWhenBack()
    {
        await PrimeAsync();
        _registry.SetOffline(Cam, "connection refused");
        _time.Advance(TimeSpan.FromSeconds(1));
        await _stage.TickAsync(TestContext.Current.CancellationToken);
        var offline = _alerts.Alerts.Where(a => a.Reason == AlertReason.CameraOffline).ToList();
        Assert.Equal(2, offline.Count); // one per bed
        Assert.All(offline, a => Assert.Equal(AlertEventType.New, a.Type));

        _registry.SetOnline(Cam);
        _time.Advance(TimeSpan.FromSeconds(1));
        await _stage.TickAsync(TestContext.Current.CancellationToken);
        Assert.Equal(2, _alerts.Alerts.Count(a => a.Reason == AlertReason.CameraOffline && a.Type == AlertEventType.End));
    }

    [Fact]
    public async Task ScorerThatThrows_BecomesAScorerFailedAlarm_AndTheOtherBedKeepsScoring()
    {
        await StepAsync(Face(100, 100), Face(500, 100));
        _scorers.Scorers["ward-3/left"].Throw = new InvalidOperationException("model exploded");
        await AdvanceAndStepAsync(TimeSpan.FromMilliseconds(200), Face(100, 100), Face(500, 100));

        var failed = Assert.Single(_alerts.Alerts);
        Assert.Equal(AlertReason.ScorerFailed, failed.Reason);
        Assert.Equal("left", failed.Bed);

        _scorers.Scorers["ward-3/left"].Throw = null;
        await AdvanceAndStepAsync(TimeSpan.FromMilliseconds(200), Face(100, 100), Face(500, 100));
        Assert.Equal(AlertEventType.End, _alerts.Alerts.Last().Type);
        Assert.Equal(AlertReason.ScorerFailed, _alerts.Alerts.Last().Reason);
    }

    [Fact]
    public async Task HotReloadedPolicy_IsAppliedOnTheNextTick()
    {
        var scorer = await PrimeAsync();
        scorer.Pspi = 5;
        var strict = Fast with { OnThreshold = 10, OffThreshold = 6 };
        SetBeds(("left", new NormalizedRegion(0, 0, 0.5, 1), strict), ("right", new NormalizedRegion(0.5, 0, 0.5, 1), Fast));
        await _stage.TickAsync(TestContext.Current.CancellationToken);
        for (var i = 0; i < 30; i++)
        {
            await AdvanceAndStepAsync(TimeSpan.FromMilliseconds(200));
        }

        Assert.Empty(_alerts.Alerts); // 5 is below the reloaded on-threshold of 10

        SetBeds(("left", new NormalizedRegion(0, 0, 0.5, 1), Fast), ("right", new NormalizedRegion(0.5, 0, 0.5, 1), Fast));
        await _stage.TickAsync(TestContext.Current.CancellationToken);
        for (var i = 0; i < 30; i++)
        {
            await AdvanceAndStepAsync(TimeSpan.FromMilliseconds(200));
        }

        Assert.Equal(AlertEventType.New, Assert.Single(_alerts.Alerts).Type);
    }

    [Fact]
    public async Task RemovedBed_IsSavedAndForgotten()
    {
        var scorer = await PrimeAsync();
        SetBeds(("right", new NormalizedRegion(0.5, 0, 0.5, 1), Fast));
        await _stage.TickAsync(TestContext.Current.CancellationToken);
        Assert.Equal(1, _stage.PatientCount);
        Assert.Equal(1, scorer.Saves);
    }

    [Fact]
    public async Task RunAsync_StepsEveryObservation_AndSavesEveryPatientOnCompletion()
    {
        var channel = System.Threading.Channels.Channel.CreateUnbounded<FaceObservation>();
        var run = _stage.RunAsync(channel.Reader, report: null, TestContext.Current.CancellationToken);
        await channel.Writer.WriteAsync(Observation(Face(100, 100)), TestContext.Current.CancellationToken);
        await channel.Writer.WriteAsync(Observation(Face(100, 100)), TestContext.Current.CancellationToken);
        channel.Writer.Complete();
        await run.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.Equal(2, _scorers.Scorers["ward-3/left"].LearnFlags.Count);
        Assert.All(_scorers.Scorers.Values, s => Assert.Equal(1, s.Saves));
    }

    [Fact]
    public async Task RunAsync_AFrameThatThrows_IsLoggedAndCounted_AndTheNextFramesAreStillScored()
    {
        // A bug hit by one frame (here the bed assigner throws, as a tracker cost out of range once did) used to end the
        // stage silently: capture went on, nothing was scored, nothing was logged until shutdown.
        var logger = new FakeLogger<PatientStage>();
        using var meters = new TestMeterFactory(); // its own, so the collector binds to this stage's counter
        using var errors = new MetricCollector<long>(meters, PainStreamInstruments.MeterName, PainStreamInstruments.StageErrors);
        var assigner = new ThrowOnceAssigner(new LargestFaceBedAssigner());
        using var stage = new PatientStage(_scorers, _alerts, _catalog, _registry, new PipelineMetrics(meters, _registry, new FramePool()), assigner, () => _scoreInterval, logger, _time);
        var channel = System.Threading.Channels.Channel.CreateUnbounded<FaceObservation>();
        var run = stage.RunAsync(channel.Reader, report: null, TestContext.Current.CancellationToken);
        for (var i = 0; i < 3; i++)
        {
            await channel.Writer.WriteAsync(Observation(Face(100, 100)), TestContext.Current.CancellationToken);
        }

        channel.Writer.Complete();
        await run.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.Equal(2, _scorers.Scorers["ward-3/left"].LearnFlags.Count);
        var record = Assert.Single(logger.Collector.GetSnapshot(), r => r.Level == LogLevel.Error);
        Assert.Equal(1113, record.Id.Id);
        Assert.IsType<InvalidOperationException>(record.Exception);
        Assert.Contains("ward-3", record.Message, StringComparison.Ordinal);
        var error = Assert.Single(errors.GetMeasurementSnapshot());
        Assert.Equal("patient", error.Tags["stage"]);
    }

    [Fact]
    public async Task RunAsync_ServesCommandsFromTheChannel_WhileRunning()
    {
        var commands = new AlertCommandChannel();
        var metrics = new PipelineMetrics(_meters, _registry, new FramePool());
        using var stage = new PatientStage(_scorers, _alerts, _catalog, _registry, metrics, new LargestFaceBedAssigner(), () => _scoreInterval, NullLogger<PatientStage>.Instance, _time, commands);
        var channel = System.Threading.Channels.Channel.CreateUnbounded<FaceObservation>();
        var run = stage.RunAsync(channel.Reader, report: null, TestContext.Current.CancellationToken);

        var ok = await commands.SendAsync(new AlertCommand(AlertCommandKind.Acknowledge, Cam, "left"), TestContext.Current.CancellationToken).AsTask().WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        var unknown = await commands.SendAsync(new AlertCommand(AlertCommandKind.Acknowledge, Cam, "window"), TestContext.Current.CancellationToken).AsTask().WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        channel.Writer.Complete();
        await run.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.True(ok.Ok, ok.Error);
        Assert.Equal((false, "unknown bed 'window' on camera 'ward-3'"), (unknown.Ok, unknown.Error));
    }

    [Fact]
    public async Task AlertEvents_RaisedByAFrame_CarryItsCaptureTimestamp_TimerEventsDoNot()
    {
        var scorer = await PrimeAsync();
        scorer.Pspi = 9;
        long captured = 0;
        while (_alerts.Alerts.IsEmpty)
        {
            _time.Advance(TimeSpan.FromMilliseconds(200));
            captured = _time.GetTimestamp() - 1234;
            await _stage.StepAsync(Observation(Face(100, 100)) with { CaptureTimestamp = captured }, TestContext.Current.CancellationToken);
            Assert.True(_time.GetUtcNow() < new DateTimeOffset(2026, 11, 23, 8, 1, 0, TimeSpan.Zero), "no alert within a minute");
        }

        var raised = Assert.Single(_alerts.Alerts);
        Assert.Equal(AlertEventType.New, raised.Type);
        Assert.Equal(captured, raised.CaptureTimestamp);

        // The score drops (the episode starts ending), then the frames stop: the hold timer ends the episode on a tick.
        scorer.Pspi = 0;
        for (var i = 0; i < 6; i++)
        {
            await AdvanceAndStepAsync(TimeSpan.FromMilliseconds(200));
        }

        Assert.Single(_alerts.Alerts);
        for (var i = 0; i < 5 && _alerts.Alerts.Count == 1; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            await _stage.TickAsync(TestContext.Current.CancellationToken);
        }

        var ended = _alerts.Alerts.Last();
        Assert.Equal(AlertEventType.End, ended.Type);
        Assert.Null(ended.CaptureTimestamp);
    }

    [Fact]
    public async Task AlertEvent_WithAListener_IsOneAlertSpanFromItsFramesCaptureTime_TaggedWithCameraBedAndId()
    {
        using var spans = new ActivityRecorder();
        var scorer = await PrimeAsync();
        scorer.Pspi = 9;
        var capturedAt = DateTimeOffset.MinValue;
        while (_alerts.Alerts.IsEmpty)
        {
            _time.Advance(TimeSpan.FromMilliseconds(200));

            // The frame was captured 300 ms before the stage sees it.
            var captured = _time.GetTimestamp() - (long)(0.3 * _time.TimestampFrequency);
            capturedAt = _time.GetUtcNow() - TimeSpan.FromMilliseconds(300);
            await _stage.StepAsync(Observation(Face(100, 100)) with { CaptureTimestamp = captured }, TestContext.Current.CancellationToken);
            Assert.True(_time.GetUtcNow() < new DateTimeOffset(2026, 11, 23, 8, 1, 0, TimeSpan.Zero), "no alert within a minute");
        }

        var raised = Assert.Single(_alerts.Alerts);
        // Other tests may raise alerts concurrently: this test's episode id is unique.
        var span = Assert.Single(spans.Stopped(PainStreamActivities.Alert, a => Equals(a.GetTagItem(PainStreamActivities.AlertIdTag), raised.Id)));
        Assert.Equal(capturedAt.UtcDateTime, span.StartTimeUtc);
        Assert.Equal(raised.Camera.Value, span.GetTagItem(PainStreamInstruments.CameraTag));
        Assert.Equal(raised.Bed, span.GetTagItem(PainStreamActivities.BedTag));
        Assert.Equal("new", span.GetTagItem(PainStreamActivities.AlertTypeTag));
        Assert.Equal("pain", span.GetTagItem(PainStreamActivities.AlertReasonTag));
    }

    [Fact]
    public async Task StepAsync_PendingCropScore_WaitsForTheBatchBeforeScoring()
    {
        var pending = new PendingCropScore();
        var face = Face(100, 100) with { CropScore = pending };

        var step = StepAsync(face);
        Assert.False(step.IsCompleted);
        Assert.False(_scorers.Scorers.ContainsKey("ward-3/left"));

        pending.Complete(new CropScore(3, 0.8f, 2, null));
        await step.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.Single(_scorers.Scorers["ward-3/left"].LearnFlags);
    }

    [Fact]
    public async Task StepAsync_CropScoreNeverAnswered_GivesUpAfterTheTimeout()
    {
        var face = Face(100, 100) with { CropScore = new PendingCropScore() };

        var step = StepAsync(face);
        _time.Advance(PatientStage.CropScoreTimeout);
        await step.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.Single(_scorers.Scorers["ward-3/left"].LearnFlags);
        Assert.Equal(PendingCropScore.PendingReason, face.CropScore!.Result.CannotScoreReason);
    }

    [Fact]
    public async Task TickAsync_CameraSwitchesScorer_EndsTheEpisodeAndFollowsTheBedAfresh()
    {
        var scorer = await RaiseEpisodeAsync();
        var episode = Assert.Single(_alerts.Alerts).Id;
        _catalog.Update(_catalog.Current.ToDictionary(c => c.Key, c => c.Value with { Scorer = "onnx:dacnn" }).ToFrozenDictionary());

        await _stage.TickAsync(TestContext.Current.CancellationToken);

        var end = _alerts.Alerts.Last();
        Assert.Equal((AlertEventType.End, AlertCause.Removed, episode), (end.Type, end.Cause, end.Id));
        _scorers.Scorers.Clear();
        await _stage.TickAsync(TestContext.Current.CancellationToken);
        Assert.True(_scorers.Scorers.ContainsKey("ward-3/left"));
        Assert.NotSame(scorer, _scorers.Scorers["ward-3/left"]);
        Assert.Equal(2, _stage.PatientCount);

        // No further change: the bed is not re-created again.
        var events = _alerts.Alerts.Count;
        await _stage.TickAsync(TestContext.Current.CancellationToken);
        Assert.Equal(events, _alerts.Alerts.Count);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task RemovedOrDisabledCamera_FreesItsFaceTracker(bool remove)
    {
        var assigner = new TrackingBedAssigner();
        using var stage = new PatientStage(_scorers, _alerts, _catalog, _registry, new PipelineMetrics(_meters, _registry, new FramePool()), assigner, () => _scoreInterval, NullLogger<PatientStage>.Instance, _time);
        await stage.StepAsync(Observation(Face(100, 100)), TestContext.Current.CancellationToken);
        await stage.TickAsync(TestContext.Current.CancellationToken);
        Assert.Equal(1, assigner.TrackedCameras);

        if (remove)
        {
            _catalog.Update(FrozenDictionary<CameraId, CameraSettings>.Empty);
        }
        else
        {
            SetBeds(enabled: false, ("left", new NormalizedRegion(0, 0, 0.5, 1), Fast));
        }

        await stage.TickAsync(TestContext.Current.CancellationToken);

        Assert.Equal(0, assigner.TrackedCameras);
    }

    private static FaceAnalysis Face(float x, float y) => new(new BoxF(x, y, 80, 80), 0.9f, new PointF[68], new FacePose(0, 0, 0), null);

    private static FaceObservation Observation(params FaceAnalysis[] faces) =>
        new(Cam, 1, DateTimeOffset.UnixEpoch, 0, 800, 400, faces.Select(f => new DetectedFace(f.Box, f.DetectorScore, [])).ToList(), TimeSpan.Zero, "fake")
        {
            Analyses = faces,
        };

    private void SetBeds(params (string Name, NormalizedRegion Region, AlertPolicy Policy)[] beds) => SetBeds(enabled: true, beds);

    private void SetBeds(bool enabled, params (string Name, NormalizedRegion Region, AlertPolicy Policy)[] beds) =>
        _catalog.Update(new Dictionary<CameraId, CameraSettings>
        {
            [Cam] = new(Cam, "lavfi:x", enabled, 5, 800, 400, null) { Beds = beds.Select(b => new BedSettings(b.Name, b.Region, b.Policy)).ToList() },
        }.ToFrozenDictionary());

    private Task StepAsync(params FaceAnalysis[] faces) => _stage.StepAsync(Observation(faces), TestContext.Current.CancellationToken);

    private async Task AdvanceAndStepAsync(TimeSpan by, params FaceAnalysis[] faces)
    {
        _time.Advance(by);
        await StepAsync(faces.Length == 0 ? [Face(100, 100)] : faces);
    }

    private async Task<ScriptedPatientScorer> PrimeAsync()
    {
        await StepAsync(Face(100, 100));
        return _scorers.Scorers["ward-3/left"];
    }

    private async Task<ScriptedPatientScorer> RaiseEpisodeAsync()
    {
        var scorer = await PrimeAsync();
        scorer.Pspi = 9;
        for (var i = 0; i < 20; i++)
        {
            await AdvanceAndStepAsync(TimeSpan.FromMilliseconds(200));
        }

        Assert.Equal(AlertEventType.New, Assert.Single(_alerts.Alerts).Type);
        return scorer;
    }

    private sealed class ThrowOnceAssigner(IBedAssigner inner) : IBedAssigner
    {
        private bool _thrown;

        public void Assign(FaceObservation observation, IReadOnlyList<BedSettings> beds, IReadOnlyList<FaceAnalysis> faces, List<FaceAnalysis?> result)
        {
            if (!_thrown)
            {
                _thrown = true;
                throw new InvalidOperationException("assignment cost out of range");
            }

            inner.Assign(observation, beds, faces, result);
        }

        public void Forget(CameraId camera) => inner.Forget(camera);
    }
}
