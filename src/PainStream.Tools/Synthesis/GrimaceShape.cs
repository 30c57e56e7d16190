// Copyright (c) PainStream contributors. Licensed under the MIT License.

namespace PainStream.Tools.Synthesis;

/// <summary>
/// How strongly <see cref="GrimaceWarper"/> moves each group of landmarks: each strength is 0 (neutral) to 1 (the full
/// displacement documented on <see cref="GrimaceWarper"/>'s constants); values outside [0, 1] (and NaN, as 0) are clamped
/// when the shape is applied.
/// </summary>
/// <param name="BrowLower">AU4, brow lowerer: brows down toward the eyes and the inner brows pulled together.</param>
/// <param name="EyeNarrow">AU6/AU7, orbital tightening: lower lids up, upper lids down.</param>
/// <param name="LipRaise">AU9/AU10, levator: upper lip raised toward the nose, nostril wings slightly up.</param>
/// <param name="EyeClose">AU43, eye closure: upper lids lowered onto the lower lids.</param>
/// <param name="MouthOpen">AU26/27, jaw drop: the lower lip and the chin move down (the mouth opens); not part of the PSPI
/// proxies, but a pain expression the head pose and the plausibility check must not be fooled by.</param>
/// <param name="YawDegrees">A head turn about the vertical axis, in degrees, with <see cref="PainStream.Vision.Alignment.HeadPoseEstimate"/>'s
/// sign (positive: the nose points towards the image's left). Not a strength: clamped to ±<see cref="MaxYawDegrees"/>. Applied
/// after the expression by <see cref="HeadTurn"/>, a cylinder approximation of the head (see there).</param>
public readonly record struct GrimaceShape(float BrowLower, float EyeNarrow, float LipRaise, float EyeClose, float MouthOpen = 0, float YawDegrees = 0)
{
    /// <summary>The largest head turn a shape applies, in degrees (the cylinder approximation is not meant beyond it).</summary>
    public const float MaxYawDegrees = 45f;

    /// <summary>Gets the neutral shape: nothing moves.</summary>
    public static GrimaceShape Neutral => default;

    /// <summary>Gets the full pain grimace with the eyes open: brow lowered, eyes narrowed, upper lip raised.</summary>
    public static GrimaceShape FullGrimace => new(1, 1, 1, 0);

    /// <summary>Gets a value indicating whether every strength is 0 (or below), so applying the shape changes nothing.</summary>
    public bool IsNeutral => !(BrowLower > 0) && !(EyeNarrow > 0) && !(LipRaise > 0) && !(EyeClose > 0) && !(MouthOpen > 0) && !(MathF.Abs(YawDegrees) > 0);

    /// <summary>Returns the brow, eye and lip grimace at one strength, eyes open (the scorer tests' ladder).</summary>
    /// <param name="strength">0–1.</param>
    /// <returns>The shape.</returns>
    public static GrimaceShape Uniform(float strength) => new(strength, strength, strength, 0);

    /// <summary>Returns this shape with every strength clamped to [0, 1] (NaN becomes 0) and the yaw to ±<see cref="MaxYawDegrees"/>.</summary>
    /// <returns>The clamped shape.</returns>
    public GrimaceShape Clamped() => new(
        Clamp(BrowLower), Clamp(EyeNarrow), Clamp(LipRaise), Clamp(EyeClose), Clamp(MouthOpen),
        float.IsFinite(YawDegrees) ? Math.Clamp(YawDegrees, -MaxYawDegrees, MaxYawDegrees) : 0f);

    /// <summary>Blends two shapes: <paramref name="t"/> = 0 gives <paramref name="from"/>, 1 gives <paramref name="to"/>.</summary>
    /// <param name="from">The shape at 0.</param>
    /// <param name="to">The shape at 1.</param>
    /// <param name="t">The blend factor, clamped to [0, 1].</param>
    /// <returns>The blended shape.</returns>
    public static GrimaceShape Lerp(GrimaceShape from, GrimaceShape to, float t)
    {
        t = Clamp(t);
        return new(
            from.BrowLower + ((to.BrowLower - from.BrowLower) * t),
            from.EyeNarrow + ((to.EyeNarrow - from.EyeNarrow) * t),
            from.LipRaise + ((to.LipRaise - from.LipRaise) * t),
            from.EyeClose + ((to.EyeClose - from.EyeClose) * t),
            from.MouthOpen + ((to.MouthOpen - from.MouthOpen) * t),
            from.YawDegrees + ((to.YawDegrees - from.YawDegrees) * t));
    }

    private static float Clamp(float value) => value > 0 ? MathF.Min(value, 1f) : 0f;
}
