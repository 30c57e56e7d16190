// Copyright (c) PainStream contributors. Licensed under the MIT License.

namespace PainStream.Scoring;

/// <summary>Head pose of the scored face, from the alignment stage (e.g. <c>SolvePnP</c> against a generic 3-D face).</summary>
/// <param name="YawDegrees">Rotation about the vertical axis; 0 is frontal.</param>
/// <param name="PitchDegrees">Rotation about the horizontal axis; 0 is frontal.</param>
public readonly record struct HeadPose(float YawDegrees, float PitchDegrees)
{
    /// <summary>A frontal face.</summary>
    public static readonly HeadPose Frontal = new(0, 0);
}
