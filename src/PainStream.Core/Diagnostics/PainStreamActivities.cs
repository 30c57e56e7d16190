// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Diagnostics;

namespace PainStream.Core.Diagnostics;

/// <summary>
/// The one <see cref="ActivitySource"/> of the pipeline (issue 15, item 5) and its span names. The daemon registers it with
/// OpenTelemetry tracing (exported when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set); without a listener starting a span
/// costs a null check.
/// </summary>
public static class PainStreamActivities
{
    /// <summary>The source name (the same as the meter's).</summary>
    public const string SourceName = "PainStream";

    /// <summary>One frame through detection, landmarks, alignment and quality (tags: camera, frame sequence, faces).</summary>
    public const string DetectFrame = "painstream.detect";

    /// <summary>One face detector run over the tiles of several frames (tag: batch size in images).</summary>
    public const string DetectBatch = "painstream.detect.batch";

    /// <summary>One batch of face crops through a learned model (tags: model, batch size).</summary>
    public const string ScoreBatch = "painstream.score.batch";

    /// <summary>
    /// One alert event from the capture of the frame that raised it (its start time; the event's time when a timer raised
    /// it) until the event is stored in the outbox (tags: camera, bed, alert id, type, reason). Started by the patient
    /// stage; the publisher's <see cref="AlertPublish"/> span continues it to the broker.
    /// </summary>
    public const string Alert = "painstream.alert";

    /// <summary>
    /// One stored alert event from the outbox to the broker's PUBACK, a child of its <see cref="Alert"/> span: the trace runs
    /// from capture to publish. Recorded when the PUBACK arrives, so an event stored while the broker is away gets it later.
    /// </summary>
    public const string AlertPublish = "painstream.alert.publish";

    /// <summary>Tag carrying the bed.</summary>
    public const string BedTag = "bed";

    /// <summary>Tag carrying the episode (alert) id.</summary>
    public const string AlertIdTag = "alert.id";

    /// <summary>Tag carrying the alert event's type (<c>new</c>, <c>update</c>, <c>end</c>…).</summary>
    public const string AlertTypeTag = "alert.type";

    /// <summary>Tag carrying the alert event's reason (<c>pain</c>, <c>face_not_visible</c>…).</summary>
    public const string AlertReasonTag = "alert.reason";

    /// <summary>Tag carrying an event's outbox sequence.</summary>
    public const string OutboxSequenceTag = "outbox.seq";

    /// <summary>Tag carrying a frame's sequence number within its camera.</summary>
    public const string FrameSequenceTag = "frame.sequence";

    /// <summary>Tag carrying the number of faces found.</summary>
    public const string FacesTag = "faces";

    /// <summary>Tag carrying a batch's size.</summary>
    public const string BatchSizeTag = "batch.size";

    /// <summary>Gets the source.</summary>
    public static ActivitySource Source { get; } = new(SourceName);

    /// <summary>Starts the <see cref="Alert"/> span of an event (current until disposed), or none without a listener.</summary>
    /// <param name="camera">The camera.</param>
    /// <param name="bed">The bed.</param>
    /// <param name="alertId">The episode id.</param>
    /// <param name="type">The event type's wire name.</param>
    /// <param name="reason">The reason's wire name.</param>
    /// <param name="start">When it started: the capture time of the frame that raised it.</param>
    /// <returns>The span, or <see langword="null"/>.</returns>
    public static Activity? StartAlert(string camera, string bed, string alertId, string type, string reason, DateTimeOffset start)
    {
        var activity = Source.StartActivity(Alert, ActivityKind.Internal, parentContext: default, startTime: start);
        activity?.SetTag(PainStreamInstruments.CameraTag, camera);
        activity?.SetTag(BedTag, bed);
        activity?.SetTag(AlertIdTag, alertId);
        activity?.SetTag(AlertTypeTag, type);
        activity?.SetTag(AlertReasonTag, reason);
        return activity;
    }
}
