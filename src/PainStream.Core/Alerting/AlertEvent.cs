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

    /// <summary>Gets the authenticated user whose command caused this event, or <see langword="null"/> (not caused by a command, or the broker did not say who).</summary>
    public string? By { get; init; }

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

    /// <summary>
    /// Gets the scale of <see cref="Score"/> and <see cref="Peak"/>: PSPI 0–16, or FLACC 0–10 for an infant bed; set by the
    /// pipeline from the bed's scorer. Published as <c>scale</c>.
    /// </summary>
    public ScoreScale Scale { get; init; } = ScoreScale.Pspi;

    /// <summary>Gets the scorer that produced the score (e.g. <c>geometric</c> or <c>onnx:da-cnn-example</c>); set by the pipeline.</summary>
    public string? Model { get; init; }

    /// <summary>
    /// Gets what drives the score, by facial region or action unit (e.g. <c>au4</c>, <c>au6_7</c>, <c>au9_10</c>, <c>au43</c> for
    /// the geometric scorer), each in the scorer's own units; set by the pipeline on pain events, <see langword="null"/> otherwise.
    /// </summary>
    public IReadOnlyDictionary<string, double>? Explanation { get; init; }

    /// <summary>
    /// Gets where a learned model's evidence for its predicted class lies, by facial region (<c>brow</c>, <c>eyes</c>,
    /// <c>nose_upper_lip</c>, <c>mouth</c>; shares summing to 1, from the class activation map); set by the pipeline on pain
    /// events of a CNN scorer whose model exports CAM outputs, <see langword="null"/> otherwise. Published as
    /// <c>explanation.regions</c>.
    /// </summary>
    public IReadOnlyDictionary<string, double>? ExplanationRegions { get; init; }

    /// <summary>
    /// Gets the monotonic capture timestamp (<see cref="TimeProvider.GetTimestamp"/> of the daemon's clock, as
    /// <see cref="Detection.FaceObservation.CaptureTimestamp"/>) of the frame whose processing raised this event (its score
    /// crossed a threshold, or a dwell or hold ran out at that frame), or <see langword="null"/> for an event raised by the
    /// periodic tick or a command; set by the pipeline. For the end-to-end alert latency metric only: it is not part of any
    /// payload and means nothing outside this process.
    /// </summary>
    public long? CaptureTimestamp { get; init; }
}
