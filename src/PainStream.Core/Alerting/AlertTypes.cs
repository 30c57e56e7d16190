// Copyright (c) PainStream contributors. Licensed under the MIT License.

namespace PainStream.Core.Alerting;

/// <summary>The kind of an episode event (<c>type</c> in the alert contract).</summary>
public enum AlertEventType
{
    /// <summary>The episode starts.</summary>
    New,

    /// <summary>Something about the open episode changed (see <see cref="AlertEvent.Cause"/>).</summary>
    Update,

    /// <summary>The episode is over.</summary>
    End,
}

/// <summary>The priority of an episode (<c>priority</c> in the alert contract).</summary>
public enum AlertPriority
{
    /// <summary>Low.</summary>
    Low,

    /// <summary>Medium.</summary>
    Medium,

    /// <summary>High.</summary>
    High,
}

/// <summary>What an episode is about (<c>reason</c> in the alert contract). Each reason has its own episodes.</summary>
public enum AlertReason
{
    /// <summary>Sustained pain on the patient's face.</summary>
    Pain,

    /// <summary>Technical alarm: the camera delivers no frames.</summary>
    CameraOffline,

    /// <summary>Technical alarm: no scorable face for <see cref="AlertPolicy.FaceNotVisibleAfter"/>.</summary>
    FaceNotVisible,

    /// <summary>Technical alarm: the pain scorer fails.</summary>
    ScorerFailed,
}

/// <summary>Why an event was emitted: the detail behind its <see cref="AlertEventType"/>.</summary>
public enum AlertCause
{
    /// <summary>The condition started (<see cref="AlertEventType.New"/>).</summary>
    Onset,

    /// <summary>The episode's peak score rose by at least <see cref="AlertPolicy.PeakUpdateStep"/>.</summary>
    PeakRise,

    /// <summary>The episode stayed unacknowledged for <see cref="AlertPolicy.EscalateAfter"/>; priority raised.</summary>
    Escalation,

    /// <summary>The episode is still active after <see cref="AlertPolicy.ReAlertInterval"/>; priority raised, acknowledgement cleared.</summary>
    ReAlert,

    /// <summary>The nurse station acknowledged the episode.</summary>
    Acknowledged,

    /// <summary>The condition is over (<see cref="AlertEventType.End"/>).</summary>
    Resolved,

    /// <summary>The nurse station snoozed the bed, which ends the open pain episode (<see cref="AlertEventType.End"/>).</summary>
    Snoozed,

    /// <summary>
    /// The nurse station reset the patient's neutral baseline (a new patient), which ends the open pain episode
    /// (<see cref="AlertEventType.End"/>): it was scored against the old baseline, and no new one is learnt while it is open.
    /// </summary>
    BaselineReset,

    /// <summary>The bed, or its camera, was removed from the configuration: every open episode of the bed ends (<see cref="AlertEventType.End"/>).</summary>
    Removed,

    /// <summary>The bed's camera was disabled (<c>Enabled=false</c>): every open episode of the bed ends (<see cref="AlertEventType.End"/>).</summary>
    Disabled,

    /// <summary>
    /// The daemon restarted while the episode was open; episodes are not carried over a restart, so it ends
    /// (<see cref="AlertEventType.End"/>, sent at start). A condition that persists opens a new episode.
    /// </summary>
    Restarted,

    /// <summary>
    /// The pain episode had no accepted sample (a scorable face with enough confidence) for
    /// <see cref="AlertPolicy.NoEvidenceAfter"/> while the camera was online and the scorer working: it ends
    /// (<see cref="AlertEventType.End"/>) rather than staying open for ever. The face-not-visible alarm runs beside it.
    /// </summary>
    NoEvidence,

    /// <summary>
    /// The camera moved to another instance (the shard count changed, issue 16): the old owner ends every open episode of its
    /// beds (<see cref="AlertEventType.End"/>); the new owner opens a new one if the condition persists.
    /// </summary>
    Moved,
}

/// <summary>The pain state of one patient (see <see cref="PatientAlertMachine"/> for the exact rules).</summary>
public enum PainAlertState
{
    /// <summary>No pain episode.</summary>
    Idle,

    /// <summary>The smoothed score reached the on-threshold; waiting for the dwell time before alerting.</summary>
    Pending,

    /// <summary>An episode is open and the smoothed score is at or above the off-threshold.</summary>
    Active,

    /// <summary>An episode is open but the smoothed score is below the off-threshold; it ends after the hold time.</summary>
    Ending,
}
