// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using PainStream.Core.Alerting;
using PainStream.Core.Cameras;
using PainStream.Core.Detection;
using PainStream.Core.Diagnostics;
using PainStream.Core.Frames;
using PainStream.Core.Publishing;
using PainStream.Core.Scoring;
using PainStream.Core.Tracking;

namespace PainStream.Core.Pipeline;

/// <summary>
/// The last stage: per patient (camera/bed) it picks the patient's face, scores it, smooths the score, runs the alert state
/// machine and hands the resulting episode events to the durable <see cref="IAlertPublisher"/>. It also answers the nurse
/// station's commands and runs the technical alarms on a one-second tick.
/// </summary>
/// <remarks>
/// <para>One gate serialises the three callers (observations, the tick and commands), so each patient's scorer and machine see
/// their inputs in time order. The machines run on processing time (<see cref="TimeProvider.GetUtcNow"/>), not capture
/// time, so ticks and frames never go backwards; the score messages carry the capture time.</para>
/// <para>Every bed of every enabled camera is followed from the first tick, not from its camera's first frame, so a camera
/// that never delivers one still raises its camera-offline alarm (once capture reports the outage). A bed that is removed
/// from the configuration, or whose camera is disabled, is no longer followed: its open episodes end (causes
/// <see cref="AlertCause.Removed"/>, <see cref="AlertCause.Disabled"/>) and its state is saved.</para>
/// </remarks>
public sealed class PatientStage : IAlertCommandHandler, IDisposable
{
    private static readonly TimeSpan TickInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan SaveInterval = TimeSpan.FromMinutes(1);

    private readonly IPatientScorerFactory _scorers;
    private readonly IAlertPublisher _alerts;
    private readonly CameraCatalog _catalog;
    private readonly CameraRegistry _registry;
    private readonly PipelineMetrics _metrics;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Func<TimeSpan> _scoreInterval;
    private readonly IBedAssigner _assigner;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<(CameraId Camera, string Bed), Patient> _patients = [];
    private readonly List<FaceAnalysis?> _bedFaces = [];
    private readonly HashSet<CameraId> _assignedCameras = [];
    private readonly AlertCommandChannel? _commands;
    private DateTimeOffset _nextSave;

    /// <summary>Initializes a new instance of the <see cref="PatientStage"/> class.</summary>
    /// <param name="scorers">Creates each patient's scorer.</param>
    /// <param name="alerts">Receives the alert events (durably) and the scores.</param>
    /// <param name="catalog">The current cameras and beds (hot-reloaded).</param>
    /// <param name="registry">Camera states, for the camera-offline alarm.</param>
    /// <param name="metrics">Pipeline metrics.</param>
    /// <param name="assigner">Maps faces to beds.</param>
    /// <param name="scoreInterval">The current interval between score messages per bed (hot-reloaded).</param>
    /// <param name="logger">The logger.</param>
    /// <param name="time">The clock.</param>
    /// <param name="commands">The nurse station's commands, served while <see cref="RunAsync"/> runs, or <see langword="null"/> for none.</param>
    public PatientStage(
        IPatientScorerFactory scorers,
        IAlertPublisher alerts,
        CameraCatalog catalog,
        CameraRegistry registry,
        PipelineMetrics metrics,
        IBedAssigner assigner,
        Func<TimeSpan> scoreInterval,
        ILogger<PatientStage> logger,
        TimeProvider time,
        AlertCommandChannel? commands = null)
    {
        _scorers = scorers;
        _alerts = alerts;
        _catalog = catalog;
        _registry = registry;
        _metrics = metrics;
        _assigner = assigner;
        _scoreInterval = scoreInterval;
        _logger = logger;
        _time = time;
        _commands = commands;
        _nextSave = time.GetUtcNow() + SaveInterval;
    }

    /// <inheritdoc/>
    public void Dispose() => _gate.Dispose();

    /// <summary>Gets the recorder of every step and event (the score history), or <see langword="null"/>.</summary>
    public IScoreRecorder? Recorder { get; init; }

    /// <summary>
    /// Gets what wraps this stage's command handling before it serves the command channel (the shard filter, issue 16: only the
    /// camera's owner answers), or <see langword="null"/> to serve the commands directly.
    /// </summary>
    public Func<IAlertCommandHandler, IAlertCommandHandler>? CommandFilter { get; init; }

    /// <summary>Gets the number of patients (camera/bed pairs) being followed.</summary>
    public int PatientCount => _patients.Count;

    /// <summary>Runs until <paramref name="input"/> completes, then saves every patient's state.</summary>
    /// <param name="input">Observations from the detect stage.</param>
    /// <param name="report">The faces report, stepped with each observation (or <see langword="null"/>).</param>
    /// <param name="cancellationToken">Aborts the stage.</param>
    /// <returns>A task that completes when the stage stops.</returns>
    public async Task RunAsync(ChannelReader<FaceObservation> input, FacesReportStage? report, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var stopTicks = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var ticks = TickLoopAsync(stopTicks.Token);
        var commands = _commands?.ServeAsync(CommandFilter?.Invoke(this) ?? this, stopTicks.Token) ?? Task.CompletedTask;
        try
        {
            await foreach (var observation in input.ReadAllAsync(cancellationToken))
            {
                report?.Step(observation);
                try
                {
                    await StepAsync(observation, cancellationToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
                {
                    // By design, as in the detect stage: a bug hit by one frame (a tracker cost out of range, a scorer
                    // throwing) must not silently stop scoring for every camera while capture goes on. Logged and counted
                    // (painstream_stage_errors_total{stage="patient"}); the next frame is processed as usual.
                    _metrics.RecordStageError("patient");
                    _logger.PatientStepFailed(ex, observation.Camera.Value, observation.Sequence);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Aborted shutdown.
        }
        finally
        {
            await stopTicks.CancelAsync();
            await ticks;
            await commands;
            await SaveAllAsync(CancellationToken.None);
        }
    }

    /// <summary>Processes one observation (public for tests and the load tool).</summary>
    /// <param name="observation">The observation.</param>
    /// <param name="cancellationToken">Cancels the wait for the outbox.</param>
    /// <returns>A task that completes when the events of this step are stored.</returns>
    public async Task StepAsync(FaceObservation observation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(observation);
        if (!_catalog.Current.TryGetValue(observation.Camera, out var settings) || !settings.Enabled)
        {
            return; // Removed or disabled since the frame was captured.
        }

        // Learned scores of this frame's crops are computed in cross-camera batches while the detect workers go on; wait for
        // them outside the gate, so commands and ticks are not held up by a batch.
        await AwaitCropScoresAsync(observation, cancellationToken);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var analyses = AcceptedFaces(observation.Analyses ?? []);
            _bedFaces.Clear();
            _assigner.Assign(observation, settings.Beds, analyses, _bedFaces);
            _assignedCameras.Add(observation.Camera);
            var now = _time.GetUtcNow();
            for (var b = 0; b < settings.Beds.Count; b++)
            {
                var bed = settings.Beds[b];
                var patient = await GetPatientAsync(observation.Camera, bed, cancellationToken);
                var face = _bedFaces[b];
                var sample = ScoreFace(patient, face, observation.CapturedAt);

                // Events raised by this frame's score carry its capture time, for the capture → broker-acknowledged latency.
                await EmitAsync(patient, patient.Machine.Step(sample, now), observation.CaptureTimestamp, cancellationToken);
                Recorder?.RecordSample(patient.Camera, patient.Bed, now, sample, patient.Machine.Smoothed, patient.Machine.State);
                if (patient.ScorerFailed != patient.Machine.GetOpenEpisode(AlertReason.ScorerFailed) is not null)
                {
                    await EmitAsync(patient, patient.Machine.SetScorerFailed(patient.ScorerFailed, now), observation.CaptureTimestamp, cancellationToken);
                }

                PublishScore(patient, observation.CapturedAt, sample, face);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// The acceptance gate: detections the analyser found not to be a face (<see cref="FaceAnalysis.NotAFace"/>) are dropped
    /// before bed assignment, so they cannot become a bed's tracked face, feed its baseline or a score, or close its
    /// face-not-visible alarm: for the bed they are no face at all.
    /// </summary>
    /// <param name="analyses">The frame's analyses.</param>
    /// <returns>The same list when every detection is plausible, otherwise the plausible ones.</returns>
    internal static IReadOnlyList<FaceAnalysis> AcceptedFaces(IReadOnlyList<FaceAnalysis> analyses)
    {
        for (var i = 0; i < analyses.Count; i++)
        {
            if (!analyses[i].IsPlausibleFace)
            {
                return analyses.Where(a => a.IsPlausibleFace).ToArray();
            }
        }

        return analyses;
    }

    /// <summary>
    /// The longest wait for a frame's learned scores; the batch scorer always answers (with a score, "overloaded", "failed" or
    /// "stopped"), so this only guards against a scorer loop that is not running. A face still pending after it is "cannot score".
    /// </summary>
    internal static readonly TimeSpan CropScoreTimeout = TimeSpan.FromSeconds(5);

    private async ValueTask AwaitCropScoresAsync(FaceObservation observation, CancellationToken cancellationToken)
    {
        if (observation.Analyses is not { } analyses)
        {
            return;
        }

        foreach (var analysis in analyses)
        {
            if (analysis.CropScore is { IsCompleted: false } pending && !await pending.WaitAsync(CropScoreTimeout, _time, cancellationToken))
            {
                _logger.CropScoreTimedOut(observation.Camera.Value, observation.Sequence);
            }
        }
    }

    /// <summary>
    /// Runs the time-driven part once: follows new beds, camera states, technical alarms, dwell/hold timers, removals, saves.
    /// </summary>
    /// <param name="cancellationToken">Cancels the wait for the outbox.</param>
    /// <returns>A task that completes when the events of this tick are stored.</returns>
    public async Task TickAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var now = _time.GetUtcNow();
            var cameras = _catalog.Current;
            foreach (var settings in cameras.Values)
            {
                if (settings.Enabled)
                {
                    foreach (var bed in settings.Beds)
                    {
                        await GetPatientAsync(settings.Camera, bed, cancellationToken);
                    }
                }
            }

            List<((CameraId Camera, string Bed) Key, AlertCause Cause)>? stopped = null;
            foreach (var (key, patient) in _patients)
            {
                if (!cameras.TryGetValue(key.Camera, out var settings) || FindBed(settings, key.Bed) is not { } bed)
                {
                    (stopped ??= []).Add((key, _catalog.MovedAway.Contains(key.Camera) ? AlertCause.Moved : AlertCause.Removed));
                    continue;
                }

                if (!settings.Enabled)
                {
                    // Switched off on purpose: not an outage to alarm about, the bed is simply no longer watched.
                    (stopped ??= []).Add((key, AlertCause.Disabled));
                    continue;
                }

                var scorerSetting = bed.ScorerOf(settings);
                if (!string.Equals(patient.ScorerSetting, scorerSetting, StringComparison.Ordinal))
                {
                    // A new scorer (another camera scorer, or the bed switched between adult and infant) scores on another
                    // scale and with other state: the bed starts afresh (its open episodes end as for a removed bed), and the
                    // next tick follows it again with the new scorer.
                    (stopped ??= []).Add((key, AlertCause.Removed));
                    _logger.ScorerChanged(key.Camera.Value, key.Bed, patient.ScorerSetting, scorerSetting);
                    continue;
                }

                if (!ReferenceEquals(patient.Machine.Policy, bed.Policy) && patient.Machine.Policy != bed.Policy)
                {
                    patient.Machine.UpdatePolicy(bed.Policy);
                    _logger.PolicyUpdated(key.Camera.Value, key.Bed);
                }

                // Only what capture reported counts: a camera still starting (no first frame, no failure yet) is no outage.
                if (_registry.Find(key.Camera)?.CaptureOnline is { } online)
                {
                    await EmitAsync(patient, patient.Machine.SetCameraOnline(online, now), null, cancellationToken);
                }

                await EmitAsync(patient, patient.Machine.Tick(now), null, cancellationToken);
                Recorder?.RecordTick(patient.Camera, patient.Bed, now);
            }

            foreach (var (key, cause) in stopped ?? [])
            {
                var patient = _patients[key];

                // Ended first, so the bed's retained state goes back to "none" rather than staying active for a bed no one watches.
                await EmitAsync(patient, patient.Machine.EndAll(cause, now), null, cancellationToken);
                _patients.Remove(key);
                await SaveAsync(patient, cancellationToken);
                if (cause == AlertCause.Disabled)
                {
                    _logger.PatientDisabled(key.Camera.Value, key.Bed);
                }
                else
                {
                    _logger.PatientRemoved(key.Camera.Value, key.Bed);
                }
            }

            // A removed or disabled camera frees what the bed assigner holds for it (its face tracker).
            _assignedCameras.RemoveWhere(camera =>
            {
                var gone = !cameras.TryGetValue(camera, out var settings) || !settings.Enabled;
                if (gone)
                {
                    _assigner.Forget(camera);
                }

                return gone;
            });

            if (now >= _nextSave)
            {
                _nextSave = now + SaveInterval;
                foreach (var patient in _patients.Values)
                {
                    await SaveAsync(patient, cancellationToken);
                }
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc/>
    public async ValueTask<AlertCommandResult> HandleAsync(AlertCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (!_catalog.Current.TryGetValue(command.Camera, out var settings))
        {
            return AlertCommandResult.Reject($"unknown camera '{command.Camera.Value}'");
        }

        if (!settings.Enabled)
        {
            return AlertCommandResult.Reject($"camera '{command.Camera.Value}' is disabled");
        }

        if (FindBed(settings, command.Bed) is not { } bed)
        {
            return AlertCommandResult.Reject($"unknown bed '{command.Bed}' on camera '{command.Camera.Value}'");
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            var patient = await GetPatientAsync(command.Camera, bed, cancellationToken);
            var now = _time.GetUtcNow();
            switch (command.Kind)
            {
                case AlertCommandKind.Acknowledge:
                    await EmitAsync(patient, patient.Machine.Acknowledge(now), null, cancellationToken, command.User);
                    break;
                case AlertCommandKind.Snooze:
                    if (command.Minutes is < 0 or > PatientAlertMachine.MaxSnoozeMinutes)
                    {
                        return AlertCommandResult.Fail($"minutes must be between 0 (cancels the snooze) and {PatientAlertMachine.MaxSnoozeMinutes}");
                    }

                    await EmitAsync(patient, patient.Machine.Snooze(command.Minutes, now), null, cancellationToken, command.User);
                    break;
                case AlertCommandKind.BaselineReset:
                    // The open pain episode ends first: it was scored against the old baseline, and the new one is only learnt
                    // while no episode is open, so keeping it would leave the bed "learning baseline" and alerting for ever.
                    await EmitAsync(patient, patient.Machine.ResetBaseline(now), null, cancellationToken, command.User);
                    await patient.Scorer.ResetBaselineAsync(cancellationToken);
                    break;
                default:
                    return AlertCommandResult.Fail($"unsupported command {command.Kind}");
            }

            _logger.CommandApplied(command.Kind.ToString(), command.Camera.Value, command.Bed, command.User ?? "an unauthenticated sender", command.By ?? "-");
            return AlertCommandResult.Success;
        }
        finally
        {
            _gate.Release();
        }
    }

    private static BedSettings? FindBed(CameraSettings settings, string name)
    {
        foreach (var bed in settings.Beds)
        {
            if (string.Equals(bed.Name, name, StringComparison.Ordinal))
            {
                return bed;
            }
        }

        return null;
    }

    private async ValueTask<Patient> GetPatientAsync(CameraId camera, BedSettings bed, CancellationToken cancellationToken)
    {
        if (_patients.TryGetValue((camera, bed.Name), out var patient))
        {
            return patient;
        }

        var setting = _catalog.Current.TryGetValue(camera, out var cameraSettings) ? bed.ScorerOf(cameraSettings) : Options.ScoringOptions.GeometricScorer;
        var scorer = await _scorers.CreateAsync(camera, bed.Name, cancellationToken);
        if (scorer.Scale != bed.Policy.Scale)
        {
            // Thresholds on one scale must never judge scores on another. The factory and the catalog both follow the bed's
            // mode, so this only happens when a reload races the creation: a setting that matches nothing makes the next tick
            // re-create the patient (within a second, far inside the dwell, so no alert is raised on the wrong scale).
            _logger.ScaleMismatch(camera.Value, bed.Name, scorer.Scale.WireName(), bed.Policy.Scale.WireName());
            setting = ScaleMismatchSetting;
        }

        patient = new Patient(camera, bed.Name, scorer, new PatientAlertMachine(camera, bed.Name, bed.Policy)) { ScorerSetting = setting };
        _patients.Add((camera, bed.Name), patient);
        _logger.PatientAdded(camera.Value, bed.Name, scorer.Name, scorer.IsReady);
        return patient;
    }

    private ScoreSample ScoreFace(Patient patient, FaceAnalysis? face, DateTimeOffset capturedAt)
    {
        if (face is null)
        {
            patient.Scorer.NoFace(capturedAt);
            return ScoreSample.CannotScore(NoFaceReason);
        }

        try
        {
            var learn = patient.Machine.State == PainAlertState.Idle && patient.Machine.GetOpenEpisode(AlertReason.Pain) is null;
            var sample = patient.Scorer.Score(face, capturedAt, learn);
            patient.ScorerFailed = false;
            return sample;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A scorer bug or a failing model must not stop the other patients: it becomes a technical alarm.
            patient.ScorerFailed = true;
            _metrics.RecordStageError("score");
            _logger.ScoreFailed(ex, patient.Camera.Value, patient.Bed);
            return ScoreSample.CannotScore("scorer failed");
        }
    }

    /// <summary>The scorer setting recorded for a patient whose scorer's scale disagrees with its bed's policy (re-created on the next tick).</summary>
    internal const string ScaleMismatchSetting = "(scale mismatch)";

    /// <summary>The reason reported when no face is found in the bed's region.</summary>
    public const string NoFaceReason = "no face";

    private void PublishScore(Patient patient, DateTimeOffset capturedAt, ScoreSample sample, FaceAnalysis? face)
    {
        var now = _time.GetTimestamp();
        if (patient.LastScoreAt != 0 && _time.GetElapsedTime(patient.LastScoreAt, now) < _scoreInterval())
        {
            return;
        }

        patient.LastScoreAt = now;
        var machine = patient.Machine;
        var quality = sample.IsScorable ? "ok" : sample.CannotScoreReason ?? face?.QualityIssue ?? "unknown";
        _alerts.PublishScore(new ScoreReport(
            patient.Camera,
            patient.Bed,
            capturedAt,
            sample.IsScorable ? Math.Round(sample.Pspi, 2) : null,
            machine.Smoothed is { } s ? Math.Round(s, 2) : null,
            machine.State,
            Math.Round(sample.IsScorable ? sample.Confidence : 0, 3),
            quality,
            patient.Scorer.Name,
            patient.Scorer.Scale));
    }

    private async ValueTask EmitAsync(Patient patient, IReadOnlyList<AlertEvent> events, long? captureTimestamp, CancellationToken cancellationToken, string? by = null)
    {
        foreach (var evt in events)
        {
            var enriched = evt with
            {
                Model = patient.Scorer.Name,
                Scale = patient.Scorer.Scale,
                Explanation = evt.Reason == AlertReason.Pain && evt.Type != AlertEventType.End ? patient.Scorer.Explain() : null,
                ExplanationRegions = evt.Reason == AlertReason.Pain && evt.Type != AlertEventType.End ? patient.Scorer.ExplainRegions() : null,
                CaptureTimestamp = captureTimestamp,
                By = by,
            };
            // The alert's span, capture → stored (current while the publisher stores it, which continues it to the PUBACK).
            var captured = captureTimestamp is { } at ? _time.GetUtcNow() - _time.GetElapsedTime(at) : enriched.Ts;
            using (PainStreamActivities.StartAlert(enriched.Camera.Value, enriched.Bed, enriched.Id, AlertNames.Type(enriched.Type), AlertNames.Reason(enriched.Reason), captured))
            {
                await _alerts.EnqueueAlertAsync(enriched, cancellationToken);
            }

            Recorder?.RecordEvent(enriched);
            _metrics.RecordAlert(enriched);
            _logger.AlertEvent(enriched.Type.ToString(), enriched.Reason.ToString(), enriched.Camera.Value, enriched.Bed, enriched.Id, enriched.Priority.ToString(), enriched.Score ?? double.NaN);
        }
    }

    private async ValueTask SaveAsync(Patient patient, CancellationToken cancellationToken)
    {
        try
        {
            await patient.Scorer.SaveAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _logger.SaveFailed(ex, patient.Camera.Value, patient.Bed);
        }
    }

    private async Task SaveAllAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            foreach (var patient in _patients.Values)
            {
                await SaveAsync(patient, cancellationToken);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task TickLoopAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TickInterval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                try
                {
                    await TickAsync(cancellationToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
                {
                    _metrics.RecordStageError("tick");
                    _logger.TickFailed(ex);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private sealed class Patient(CameraId camera, string bed, IPatientScorer scorer, PatientAlertMachine machine)
    {
        public CameraId Camera { get; } = camera;

        public string Bed { get; } = bed;

        public IPatientScorer Scorer { get; } = scorer;

        public PatientAlertMachine Machine { get; } = machine;

        /// <summary>Gets the camera's scorer setting the scorer was created for (a change re-creates the patient).</summary>
        public required string ScorerSetting { get; init; }

        public long LastScoreAt { get; set; }

        public bool ScorerFailed { get; set; }
    }
}
