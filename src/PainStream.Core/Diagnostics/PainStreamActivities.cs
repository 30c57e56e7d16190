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

    /// <summary>One batch of face crops through a learned model (tags: model, batch size).</summary>
    public const string ScoreBatch = "painstream.score.batch";

    /// <summary>Tag carrying a frame's sequence number within its camera.</summary>
    public const string FrameSequenceTag = "frame.sequence";

    /// <summary>Tag carrying the number of faces found.</summary>
    public const string FacesTag = "faces";

    /// <summary>Tag carrying a batch's size.</summary>
    public const string BatchSizeTag = "batch.size";

    /// <summary>Gets the source.</summary>
    public static ActivitySource Source { get; } = new(SourceName);
}
