// Copyright (c) PainStream contributors. Licensed under the MIT License.

namespace PainStream.Core.Detection;

/// <summary>A face found by a detector, in the coordinates of the full frame.</summary>
/// <param name="Box">The face box.</param>
/// <param name="Score">Detector confidence in [0, 1].</param>
/// <param name="Keypoints">
/// Detector keypoints when the detector has them (BlazeFace: right eye, left eye, nose tip, mouth, right ear tragion,
/// left ear tragion, from the subject's point of view); empty otherwise.
/// </param>
public sealed record DetectedFace(BoxF Box, float Score, IReadOnlyList<PointF> Keypoints);
