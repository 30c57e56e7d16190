// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Options;

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

    /// <summary>
    /// Returns these options with the pose and size limits of the <c>FaceQuality</c> section, so the scorer gates faces as
    /// the quality gate does (a face the gate lets through must not be refused by the scorer, nor the other way round).
    /// </summary>
    /// <param name="quality">The <c>FaceQuality</c> settings.</param>
    /// <returns>The options with <see cref="MaxYawDegrees"/>, <see cref="MaxPitchDegrees"/> and <see cref="MinInterOcularPixels"/> taken from <paramref name="quality"/>.</returns>
    public GeometricPspiOptions WithLimitsOf(FaceQualityOptions quality)
    {
        ArgumentNullException.ThrowIfNull(quality);
        return this with
        {
            MaxYawDegrees = (float)quality.MaxYawDegrees,
            MaxPitchDegrees = (float)quality.MaxPitchDegrees,
            MinInterOcularPixels = (float)quality.MinInterOcularPixels,
        };
    }
}
