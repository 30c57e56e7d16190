// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Frames;

namespace PainStream.Core.Alerting;

/// <summary>
/// The alert state of one patient (one camera/bed): smooths the pain scores, runs the pain episode state machine and the
/// technical alarms, and returns the episode events to publish. Pure code: every call takes the current time, which the
/// owning stage reads from its injected <see cref="TimeProvider"/>, so tests drive it step by step.
/// </summary>
/// <remarks>
/// <para>Pain states, with <c>s</c> the smoothed score (<see langword="null"/> when unknown, see <see cref="ScoreSmoother"/>),
/// <c>On</c>/<c>Off</c> the thresholds of <see cref="Policy"/>:</para>
/// <list type="bullet">
/// <item><description><b>Idle → Pending</b> when <c>s ≥ On</c>; the onset time is remembered.</description></item>
/// <item><description><b>Pending → Idle</b> when <c>s &lt; Off</c> or unknown: the score must stay at or above <c>Off</c>
/// (not <c>On</c>) for the whole dwell, so a score wavering between the thresholds still alerts.</description></item>
/// <item><description><b>Pending → Active</b> when <see cref="AlertPolicy.Dwell"/> has passed since the onset and no snooze
/// runs: a <see cref="AlertEventType.New"/> event (priority Low) with a new episode id; <c>StartedAt</c> is the onset.
/// During a snooze the machine stays Pending and alerts at the first step after the snooze ends.</description></item>
/// <item><description><b>Active</b>: a peak rise of <see cref="AlertPolicy.PeakUpdateStep"/> over the last announced peak
/// sends an update; every <see cref="AlertPolicy.ReAlertInterval"/> since the last announcement the episode is re-announced
/// (update, priority raised one step, acknowledgement cleared); otherwise, while unacknowledged, every
/// <see cref="AlertPolicy.EscalateAfter"/> since the last priority change raises the priority one step up to High.
/// An unknown score keeps the episode Active: a hidden face does not end a pain alert at once (the face-not-visible alarm
/// covers it).</description></item>
/// <item><description><b>Active or Ending → Idle</b> when no sample has been accepted (scorable, confidence at least
/// <see cref="AlertPolicy.MinConfidence"/>) for <see cref="AlertPolicy.NoEvidenceAfter"/>: an <see cref="AlertEventType.End"/>
/// with cause <see cref="AlertCause.NoEvidence"/>, so an episode without evidence does not stay open for ever. The clock
/// stands still while the camera is offline or the scorer fails: a nurse must not lose an unanswered pain alert because a
/// camera died, so through an outage the episode keeps escalating.</description></item>
/// <item><description><b>Active → Ending</b> when <c>s &lt; Off</c>.</description></item>
/// <item><description><b>Ending → Active</b> (same episode, no event) when <c>s ≥ Off</c> again; so an episode ends only after
/// the score has stayed below <c>Off</c> continuously for the hold time. Using <c>Off</c> rather than <c>On</c> here means a
/// score that settles between the thresholds keeps the episode open and its escalation running.</description></item>
/// <item><description><b>Ending → Idle</b> after <see cref="AlertPolicy.Hold"/> in Ending (an unknown score counts as below):
/// an <see cref="AlertEventType.End"/> event.</description></item>
/// </list>
/// <para>Commands: <see cref="Acknowledge"/> marks every open episode acknowledged (pain escalation stops until the next
/// re-alert). <see cref="Snooze"/> ends the open pain episode at once (an <see cref="AlertEventType.End"/> with cause
/// <see cref="AlertCause.Snoozed"/>, so the bed's retained state clears) and holds back new pain episodes until it ends; it
/// does not mute technical alarms; zero minutes cancels a running snooze. <see cref="ResetBaseline"/> (a new patient) ends the
/// open pain episode (cause <see cref="AlertCause.BaselineReset"/>) and forgets the smoothed score, so the new baseline can be
/// learnt. <see cref="EndAll"/> ends every open episode when the bed is no longer watched (removed, camera disabled).</para>
/// <para>Technical alarms have their own episodes and fixed priorities (no escalation): <see cref="AlertReason.CameraOffline"/>
/// and <see cref="AlertReason.ScorerFailed"/> Medium while reported, <see cref="AlertReason.FaceNotVisible"/> Low when an
/// online, working camera has had no accepted sample for <see cref="AlertPolicy.FaceNotVisibleAfter"/>; it ends with the
/// next accepted sample.</para>
/// <para>Not thread-safe: one owner calls it, in time order.</para>
/// </remarks>
public sealed class PatientAlertMachine
{
    /// <summary>The longest snooze, in minutes (a day).</summary>
    public const int MaxSnoozeMinutes = 24 * 60;

    private const int MaxTransitionsPerStep = 4;
    private static readonly IReadOnlyList<AlertEvent> NoEvents = [];

    private readonly ScoreSmoother _smoother;
    private AlertPolicy _policy;
    private DateTimeOffset? _lastSeenAt;
    private DateTimeOffset _lastEvidenceAt;
    private DateTimeOffset _pendingSince;
    private double _pendingPeak;
    private DateTimeOffset _endingSince;
    private DateTimeOffset? _snoozedUntil;
    private bool _cameraOffline;
    private bool _scorerFailing;
    private Episode? _pain;
    private Episode? _offline;
    private Episode? _faceNotVisible;
    private Episode? _scorerFailed;

    /// <summary>Initializes a new instance of the <see cref="PatientAlertMachine"/> class.</summary>
    /// <param name="camera">The camera.</param>
    /// <param name="bed">The bed name (<c>[a-z0-9_-]+</c>).</param>
    /// <param name="policy">The thresholds and timings.</param>
    /// <param name="smootherCapacity">The most samples the smoother keeps in its window, or <see langword="null"/> to size it from the window.</param>
    /// <exception cref="ArgumentException">The bed name or the policy is invalid.</exception>
    public PatientAlertMachine(CameraId camera, string bed, AlertPolicy policy, int? smootherCapacity = null)
    {
        ArgumentNullException.ThrowIfNull(policy);
        if (!CameraId.IsValid(bed))
        {
            throw new ArgumentException($"bed name '{bed}' must match [a-z0-9_-]{{1,64}}", nameof(bed));
        }

        policy.ThrowIfInvalid();
        Camera = camera;
        Bed = bed;
        _policy = policy;
        _smoother = new ScoreSmoother(policy, smootherCapacity);
    }

    /// <summary>Gets the camera.</summary>
    public CameraId Camera { get; }

    /// <summary>Gets the bed.</summary>
    public string Bed { get; }

    /// <summary>Gets the policy in force.</summary>
    public AlertPolicy Policy => _policy;

    /// <summary>Gets the pain state.</summary>
    public PainAlertState State { get; private set; }

    /// <summary>Gets the smoothed score, or <see langword="null"/> while unknown.</summary>
    public double? Smoothed => _smoother.Smoothed;

    /// <summary>Gets the mean confidence of the samples in the smoothing window.</summary>
    public double Confidence => _smoother.Confidence;

    /// <summary>Gets the end of the running snooze, or <see langword="null"/>.</summary>
    public DateTimeOffset? SnoozedUntil => _snoozedUntil;

    /// <summary>Returns the latest event of the open episode for <paramref name="reason"/> (for the retained per-bed state).</summary>
    /// <param name="reason">The reason.</param>
    /// <returns>The event, or <see langword="null"/> when no such episode is open.</returns>
    public AlertEvent? GetOpenEpisode(AlertReason reason) => Slot(reason)?.Last;

    /// <summary>Handles one score for this patient. The loop body, callable directly from tests.</summary>
    /// <param name="sample">The score, possibly "cannot score".</param>
    /// <param name="now">The current time.</param>
    /// <returns>The events to publish, in order; empty (not allocated) when nothing happened.</returns>
    public IReadOnlyList<AlertEvent> Step(in ScoreSample sample, DateTimeOffset now)
    {
        List<AlertEvent>? events = null;
        _lastSeenAt ??= now;
        if (_smoother.Add(sample, now))
        {
            _lastSeenAt = now;
            _lastEvidenceAt = now;
            Close(ref _faceNotVisible, AlertCause.Resolved, now, ref events);
        }

        Evaluate(now, ref events);
        return events ?? NoEvents;
    }

    /// <summary>Advances the timers without a sample (call periodically, e.g. once a second, so timers fire without frames).</summary>
    /// <param name="now">The current time.</param>
    /// <returns>The events to publish, in order.</returns>
    public IReadOnlyList<AlertEvent> Tick(DateTimeOffset now)
    {
        List<AlertEvent>? events = null;
        _lastSeenAt ??= now;
        _smoother.Expire(now);
        Evaluate(now, ref events);
        return events ?? NoEvents;
    }

    /// <summary>The nurse station acknowledged the bed: every open, unacknowledged episode is marked and announced.</summary>
    /// <param name="now">The current time.</param>
    /// <returns>One <see cref="AlertCause.Acknowledged"/> update per episode that was not yet acknowledged.</returns>
    public IReadOnlyList<AlertEvent> Acknowledge(DateTimeOffset now)
    {
        List<AlertEvent>? events = null;
        foreach (var reason in Enum.GetValues<AlertReason>())
        {
            if (Slot(reason) is { Acknowledged: false } episode)
            {
                episode.Acknowledged = true;
                Emit(episode, AlertEventType.Update, AlertCause.Acknowledged, now, ref events);
            }
        }

        return events ?? NoEvents;
    }

    /// <summary>
    /// The nurse station snoozed the bed: an open pain episode ends now, and no pain episode starts before
    /// <paramref name="now"/> + <paramref name="minutes"/>. Zero minutes cancels a running snooze.
    /// </summary>
    /// <param name="minutes">The snooze length, 0–<see cref="MaxSnoozeMinutes"/>.</param>
    /// <param name="now">The current time.</param>
    /// <returns>The <see cref="AlertCause.Snoozed"/> end of the pain episode, if one was open.</returns>
    public IReadOnlyList<AlertEvent> Snooze(int minutes, DateTimeOffset now)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(minutes);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minutes, MaxSnoozeMinutes);
        List<AlertEvent>? events = null;
        if (minutes == 0)
        {
            _snoozedUntil = null;
            Evaluate(now, ref events);
            return events ?? NoEvents;
        }

        _snoozedUntil = now + TimeSpan.FromMinutes(minutes);
        if (State is PainAlertState.Active or PainAlertState.Ending)
        {
            Close(ref _pain, AlertCause.Snoozed, now, ref events);
        }

        State = PainAlertState.Idle;
        return events ?? NoEvents;
    }

    /// <summary>
    /// The patient's neutral baseline was reset (<c>baseline/reset</c>: a new patient): the open pain episode ends, a pending
    /// onset is dropped and the smoothed score is forgotten, since all of them were measured against the old baseline. The
    /// machine is then Idle, which is what lets the scorer learn the new baseline. Technical alarms and a running snooze stay.
    /// </summary>
    /// <param name="now">The current time.</param>
    /// <returns>The <see cref="AlertCause.BaselineReset"/> end of the pain episode, if one was open.</returns>
    public IReadOnlyList<AlertEvent> ResetBaseline(DateTimeOffset now)
    {
        List<AlertEvent>? events = null;
        Close(ref _pain, AlertCause.BaselineReset, now, ref events);
        State = PainAlertState.Idle;
        _smoother.Reset();
        return events ?? NoEvents;
    }

    /// <summary>
    /// The bed is no longer watched (removed from the configuration, or its camera disabled): every open episode, pain and
    /// technical, ends with <paramref name="cause"/>, so the bed's retained state goes back to <c>none</c>.
    /// </summary>
    /// <param name="cause">Why (e.g. <see cref="AlertCause.Removed"/> or <see cref="AlertCause.Disabled"/>).</param>
    /// <param name="now">The current time.</param>
    /// <returns>One <see cref="AlertEventType.End"/> per open episode.</returns>
    public IReadOnlyList<AlertEvent> EndAll(AlertCause cause, DateTimeOffset now)
    {
        List<AlertEvent>? events = null;
        Close(ref _pain, cause, now, ref events);
        Close(ref _offline, cause, now, ref events);
        Close(ref _faceNotVisible, cause, now, ref events);
        Close(ref _scorerFailed, cause, now, ref events);
        State = PainAlertState.Idle;
        return events ?? NoEvents;
    }

    /// <summary>The camera went offline or came back: opens or closes the <see cref="AlertReason.CameraOffline"/> episode.</summary>
    /// <param name="online">Whether the camera delivers frames.</param>
    /// <param name="now">The current time.</param>
    /// <returns>The events to publish.</returns>
    public IReadOnlyList<AlertEvent> SetCameraOnline(bool online, DateTimeOffset now)
    {
        List<AlertEvent>? events = null;
        var wasOffline = _cameraOffline;
        _cameraOffline = !online;
        if (online)
        {
            // The face-not-visible clock starts again when the frames come back; not on every call, or a caller that
            // reports the camera state every second would keep that alarm from ever firing.
            if (wasOffline)
            {
                _lastSeenAt = now;
            }

            Close(ref _offline, AlertCause.Resolved, now, ref events);
        }
        else
        {
            Open(ref _offline, AlertReason.CameraOffline, AlertPriority.Medium, now, ref events);
        }

        Evaluate(now, ref events);
        return events ?? NoEvents;
    }

    /// <summary>The scorer started or stopped failing: opens or closes the <see cref="AlertReason.ScorerFailed"/> episode.</summary>
    /// <param name="failed">Whether the scorer fails.</param>
    /// <param name="now">The current time.</param>
    /// <returns>The events to publish.</returns>
    public IReadOnlyList<AlertEvent> SetScorerFailed(bool failed, DateTimeOffset now)
    {
        List<AlertEvent>? events = null;
        _scorerFailing = failed;
        if (failed)
        {
            Open(ref _scorerFailed, AlertReason.ScorerFailed, AlertPriority.Medium, now, ref events);
        }
        else
        {
            _lastSeenAt = now;
            Close(ref _scorerFailed, AlertCause.Resolved, now, ref events);
        }

        Evaluate(now, ref events);
        return events ?? NoEvents;
    }

    /// <summary>
    /// Takes a new policy (hot reload) without losing the smoothing window, the state or the open episodes; the new
    /// thresholds and timings apply from the next step.
    /// </summary>
    /// <param name="policy">The new policy.</param>
    /// <exception cref="ArgumentException">The policy is invalid; the old one stays in force.</exception>
    public void UpdatePolicy(AlertPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        policy.ThrowIfInvalid();
        _policy = policy;
        _smoother.Reconfigure(policy);
    }

    private void Evaluate(DateTimeOffset now, ref List<AlertEvent>? events)
    {
        if (_snoozedUntil is { } until && now >= until)
        {
            _snoozedUntil = null;
        }

        if (_cameraOffline || _scorerFailing)
        {
            // A technical fault is not the patient's lack of pain: the no-evidence clock stands still (restarts from the
            // fault's end), so the open episode keeps escalating until a nurse answers it.
            _lastEvidenceAt = now;
        }

        // A state change may enable the next one in the same step (e.g. a zero dwell); the rules cannot cycle, the bound is a guard.
        for (var i = 0; i < MaxTransitionsPerStep && EvaluatePain(now, ref events); i++)
        {
        }

        if (_faceNotVisible is null && !_cameraOffline && !_scorerFailing
            && _lastSeenAt is { } seen && now - seen >= _policy.FaceNotVisibleAfter)
        {
            Open(ref _faceNotVisible, AlertReason.FaceNotVisible, AlertPriority.Low, now, ref events);
        }
    }

    /// <returns><see langword="true"/> when the state changed.</returns>
    private bool EvaluatePain(DateTimeOffset now, ref List<AlertEvent>? events)
    {
        var s = _smoother.Smoothed;
        switch (State)
        {
            case PainAlertState.Idle:
                if (s >= _policy.OnThreshold)
                {
                    State = PainAlertState.Pending;
                    _pendingSince = now;
                    _pendingPeak = s.Value;
                    return true;
                }

                return false;

            case PainAlertState.Pending:
                if (s is not { } pending || pending < _policy.OffThreshold)
                {
                    State = PainAlertState.Idle;
                    return true;
                }

                _pendingPeak = Math.Max(_pendingPeak, pending);
                if (now - _pendingSince < _policy.Dwell || _snoozedUntil is not null)
                {
                    return false;
                }

                _pain = new Episode(AlertReason.Pain, _pendingSince, now, AlertPriority.Low) { Peak = _pendingPeak, ReportedPeak = _pendingPeak };
                _lastEvidenceAt = Max(_lastEvidenceAt, _pendingSince);
                State = PainAlertState.Active;
                Emit(_pain, AlertEventType.New, AlertCause.Onset, now, ref events);
                return true;

            case PainAlertState.Active or PainAlertState.Ending when now - _lastEvidenceAt >= _policy.NoEvidenceAfter:
                Close(ref _pain, AlertCause.NoEvidence, now, ref events);
                State = PainAlertState.Idle;
                return true;

            case PainAlertState.Active:
                if (s < _policy.OffThreshold)
                {
                    State = PainAlertState.Ending;
                    _endingSince = now;
                    return true;
                }

                RunActiveEpisode(_pain!, s, now, ref events);
                return false;

            case PainAlertState.Ending:
                if (s >= _policy.OffThreshold)
                {
                    State = PainAlertState.Active;
                    return true;
                }

                if (now - _endingSince < _policy.Hold)
                {
                    return false;
                }

                Close(ref _pain, AlertCause.Resolved, now, ref events);
                State = PainAlertState.Idle;
                return true;

            default:
                throw new InvalidOperationException($"unknown state {State}");
        }
    }

    private void RunActiveEpisode(Episode episode, double? score, DateTimeOffset now, ref List<AlertEvent>? events)
    {
        if (score > episode.Peak)
        {
            episode.Peak = score.Value;
        }

        if (episode.Peak >= episode.ReportedPeak + _policy.PeakUpdateStep)
        {
            episode.ReportedPeak = episode.Peak;
            Emit(episode, AlertEventType.Update, AlertCause.PeakRise, now, ref events);
        }

        if (now - episode.AnnouncedAt >= _policy.ReAlertInterval)
        {
            episode.AnnouncedAt = now;
            episode.PriorityChangedAt = now;
            episode.Priority = Raise(episode.Priority);
            episode.Acknowledged = false;
            Emit(episode, AlertEventType.Update, AlertCause.ReAlert, now, ref events);
        }
        else if (!episode.Acknowledged && episode.Priority < AlertPriority.High
            && now - episode.PriorityChangedAt >= _policy.EscalateAfter)
        {
            episode.PriorityChangedAt = now;
            episode.Priority = Raise(episode.Priority);
            Emit(episode, AlertEventType.Update, AlertCause.Escalation, now, ref events);
        }
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private static AlertPriority Raise(AlertPriority priority) => priority < AlertPriority.High ? priority + 1 : AlertPriority.High;

    private void Open(ref Episode? slot, AlertReason reason, AlertPriority priority, DateTimeOffset now, ref List<AlertEvent>? events)
    {
        if (slot is not null)
        {
            return;
        }

        slot = new Episode(reason, now, now, priority);
        Emit(slot, AlertEventType.New, AlertCause.Onset, now, ref events);
    }

    private void Close(ref Episode? slot, AlertCause cause, DateTimeOffset now, ref List<AlertEvent>? events)
    {
        if (slot is null)
        {
            return;
        }

        Emit(slot, AlertEventType.End, cause, now, ref events);
        slot = null;
    }

    private void Emit(Episode episode, AlertEventType type, AlertCause cause, DateTimeOffset now, ref List<AlertEvent>? events)
    {
        var pain = episode.Reason == AlertReason.Pain;
        var e = new AlertEvent
        {
            Id = episode.Id,
            Type = type,
            Cause = cause,
            Reason = episode.Reason,
            Priority = episode.Priority,
            Camera = Camera,
            Bed = Bed,
            StartedAt = episode.StartedAt,
            Ts = now,
            Score = pain ? _smoother.Smoothed : null,
            Peak = pain ? episode.Peak : null,
            Acknowledged = episode.Acknowledged,
            SnoozedUntil = _snoozedUntil,
        };
        episode.Last = e;
        (events ??= []).Add(e);
    }

    private Episode? Slot(AlertReason reason) => reason switch
    {
        AlertReason.Pain => _pain,
        AlertReason.CameraOffline => _offline,
        AlertReason.FaceNotVisible => _faceNotVisible,
        AlertReason.ScorerFailed => _scorerFailed,
        _ => null,
    };

    /// <summary>The mutable bookkeeping of one open episode.</summary>
    private sealed class Episode(AlertReason reason, DateTimeOffset startedAt, DateTimeOffset announcedAt, AlertPriority priority)
    {
        public string Id { get; } = Guid.CreateVersion7(announcedAt).ToString("N");

        public AlertReason Reason { get; } = reason;

        public DateTimeOffset StartedAt { get; } = startedAt;

        public DateTimeOffset AnnouncedAt { get; set; } = announcedAt;

        public DateTimeOffset PriorityChangedAt { get; set; } = announcedAt;

        public AlertPriority Priority { get; set; } = priority;

        public bool Acknowledged { get; set; }

        public double Peak { get; set; }

        public double ReportedPeak { get; set; }

        public AlertEvent? Last { get; set; }
    }
}
