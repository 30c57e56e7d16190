// Copyright (c) PainStream contributors. Licensed under the MIT License.

namespace PainStream.Core.Alerting;

/// <summary>The wire names of the alerting enums (MQTT payloads, metric tags, logs): lower snake case, stable.</summary>
public static class AlertNames
{
    /// <summary>Gets the name of an event type.</summary>
    /// <param name="type">The type.</param>
    /// <returns><c>new</c>, <c>update</c> or <c>end</c>.</returns>
    public static string Type(AlertEventType type) => type switch
    {
        AlertEventType.New => "new",
        AlertEventType.Update => "update",
        AlertEventType.End => "end",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    /// <summary>Gets the name of a reason.</summary>
    /// <param name="reason">The reason.</param>
    /// <returns><c>pain</c>, <c>camera_offline</c>, <c>face_not_visible</c> or <c>scorer_failed</c>.</returns>
    public static string Reason(AlertReason reason) => reason switch
    {
        AlertReason.Pain => "pain",
        AlertReason.CameraOffline => "camera_offline",
        AlertReason.FaceNotVisible => "face_not_visible",
        AlertReason.ScorerFailed => "scorer_failed",
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, null),
    };

    /// <summary>Gets the name of a priority.</summary>
    /// <param name="priority">The priority.</param>
    /// <returns><c>low</c>, <c>medium</c> or <c>high</c>.</returns>
    public static string Priority(AlertPriority priority) => priority switch
    {
        AlertPriority.Low => "low",
        AlertPriority.Medium => "medium",
        AlertPriority.High => "high",
        _ => throw new ArgumentOutOfRangeException(nameof(priority), priority, null),
    };

    /// <summary>Gets the name of a pain state.</summary>
    /// <param name="state">The state.</param>
    /// <returns><c>idle</c>, <c>pending</c>, <c>active</c> or <c>ending</c>.</returns>
    public static string State(PainAlertState state) => state switch
    {
        PainAlertState.Idle => "idle",
        PainAlertState.Pending => "pending",
        PainAlertState.Active => "active",
        PainAlertState.Ending => "ending",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, null),
    };
}
