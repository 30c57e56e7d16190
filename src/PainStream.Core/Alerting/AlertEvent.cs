// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Frames;

namespace PainStream.Core.Alerting;

/// <summary>One episode event for <c>painstream/alerts</c> (DESIGN.md §6); all events of one episode share <see cref="Id"/>.</summary>
public sealed record AlertEvent
{
    /// <summary>Gets the episode id (a version-7 GUID, time-ordered, 32 hex digits), the same for every event of the episode.</summary>
    public required string Id { get; init; }

    /// <summary>Gets the event type.</summary>
    public required AlertEventType Type { get; init; }

    /// <summary>Gets why the event was emitted.</summary>
    public required AlertCause Cause { get; init; }

    /// <summary>Gets what the episode is about.</summary>
    public required AlertReason Reason { get; init; }

    /// <summary>Gets the episode's priority at the time of the event.</summary>
    public required AlertPriority Priority { get; init; }

    /// <summary>Gets the camera.</summary>
    public required CameraId Camera { get; init; }

    /// <summary>Gets the bed (a configured name).</summary>
    public required string Bed { get; init; }

    /// <summary>Gets when the condition began (for pain: when the smoothed score first reached the on-threshold).</summary>
    public required DateTimeOffset StartedAt { get; init; }

    /// <summary>Gets when the event was emitted.</summary>
    public required DateTimeOffset Ts { get; init; }

    /// <summary>Gets the smoothed score at the time of the event, or <see langword="null"/> when unknown or not a pain episode.</summary>
    public double? Score { get; init; }

    /// <summary>Gets the highest smoothed score of the episode, or <see langword="null"/> when not a pain episode.</summary>
    public double? Peak { get; init; }

    /// <summary>Gets a value indicating whether the nurse station has acknowledged the episode.</summary>
    public bool Acknowledged { get; init; }

    /// <summary>Gets the end of the bed's snooze, when one is running.</summary>
    public DateTimeOffset? SnoozedUntil { get; init; }
}
