// Copyright (c) PainStream contributors. Licensed under the MIT License.

namespace PainStream.Core.Detection;

/// <summary>A face found by a detector, in the coordinates of the full frame.</summary>
/// <param name="Box">The face box.</param>
/// <param name="Score">Detector confidence in [0, 1].</param>
/// <param name="Keypoints">
/// Detector keypoints when the detector has them (BlazeFace: right eye, left eye, nose tip, mouth, right ear tragion,
/// left ear tragion, from the subject's point of view); empty otherwise.
/// </param>
public sealed record DetectedFace(BoxF Box, float Score, IReadOnlyList<PointF> Keypoints)
{
    /// <summary>
    /// Gets, for a face followed from the previous frame rather than detected (<c>Pipeline.FaceFollower</c>), its landmarks in
    /// that frame (the analyser runs a shorter landmark cascade on followed faces, <c>Detection:FollowCascades</c>).
    /// <see langword="null"/> for a detection.
    /// </summary>
    public PointF[]? PriorLandmarks { get; init; }
}
