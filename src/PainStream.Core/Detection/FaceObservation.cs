// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Frames;

namespace PainStream.Core.Detection;

/// <summary>What detection found in one frame. Carries no pixels: the frame buffer is back in the pool by then.</summary>
/// <param name="Camera">The camera.</param>
/// <param name="Sequence">The frame's per-camera sequence number.</param>
/// <param name="CapturedAt">When the frame was captured.</param>
/// <param name="CaptureTimestamp">Monotonic capture timestamp, for end-to-end latency.</param>
/// <param name="FrameWidth">Frame width in pixels.</param>
/// <param name="FrameHeight">Frame height in pixels.</param>
/// <param name="Faces">The faces, in frame coordinates, best score first.</param>
/// <param name="DetectDuration">How long detection took.</param>
/// <param name="Detector">The detector's name.</param>
public sealed record FaceObservation(
    CameraId Camera,
    long Sequence,
    DateTimeOffset CapturedAt,
    long CaptureTimestamp,
    int FrameWidth,
    int FrameHeight,
    IReadOnlyList<DetectedFace> Faces,
    TimeSpan DetectDuration,
    string Detector)
{
    /// <summary>Gets the analysis of each face (same order as <see cref="Faces"/>), or <see langword="null"/> when no analyser runs.</summary>
    public IReadOnlyList<FaceAnalysis>? Analyses { get; init; }
}
