// Copyright (c) PainStream contributors. Licensed under the MIT License.

namespace PainStream.Vision.Alignment;

/// <summary>The quality gate's verdict on one aligned face, with the values it measured.</summary>
/// <param name="IsOk">Whether the face may be scored.</param>
/// <param name="Reason">
/// Why not, as one of the stable strings <see cref="FaceQualityGate.FaceTooSmall"/>, <see cref="FaceQualityGate.HeadTurnedAway"/>,
/// <see cref="FaceQualityGate.TooDark"/>, <see cref="FaceQualityGate.Overexposed"/> or <see cref="FaceQualityGate.ImageBlurred"/>
/// (the first failing check in that order); <see langword="null"/> when <paramref name="IsOk"/>.
/// </param>
/// <param name="InterOcularPixels">The inter-ocular distance (outer eye corners) in source pixels.</param>
/// <param name="Pose">The head pose judged.</param>
/// <param name="Sharpness">Variance of the 3×3 Laplacian of the grey inner face, in grey levels².</param>
/// <param name="MeanBrightness">Mean grey level of the inner face, 0–255.</param>
/// <param name="ClippedFraction">Fraction of inner-face pixels with grey level 250 or more.</param>
public readonly record struct FaceQuality(
    bool IsOk,
    string? Reason,
    float InterOcularPixels,
    HeadPoseEstimate Pose,
    float Sharpness,
    float MeanBrightness,
    float ClippedFraction);
