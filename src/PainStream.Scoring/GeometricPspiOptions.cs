// Copyright (c) PainStream contributors. Licensed under the MIT License.

namespace PainStream.Scoring;

/// <summary>Quality limits of the geometric scorer (DESIGN.md §5: near-frontal faces only).</summary>
public sealed record GeometricPspiOptions
{
    /// <summary>Gets the largest |yaw| scored, in degrees (default 30); beyond it the face cannot be scored.</summary>
    public float MaxYawDegrees { get; init; } = 30;

    /// <summary>Gets the largest |pitch| scored, in degrees (default 20); beyond it the face cannot be scored.</summary>
    public float MaxPitchDegrees { get; init; } = 20;

    /// <summary>Gets the smallest inter-ocular distance scored, in pixels (default 16, about a 40-px face).</summary>
    public float MinInterOcularPixels { get; init; } = 16;

    /// <summary>Gets the inter-ocular distance, in pixels, from which face size no longer lowers the confidence (default 40).</summary>
    public float FullConfidenceInterOcularPixels { get; init; } = 40;

    /// <summary>Gets the confidence factor applied when no head pose is given (default 0.7).</summary>
    public float UnknownPoseConfidence { get; init; } = 0.7f;
}
