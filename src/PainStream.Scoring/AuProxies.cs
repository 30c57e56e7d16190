// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Text.Json.Serialization;
using PainStream.Core.Detection;

namespace PainStream.Scoring;

/// <summary>
/// Geometric action-unit proxies measured on one face's 68 iBUG 300-W landmarks (dlib's order: jaw 0–16, brows 17–26,
/// nose 27–35, eyes 36–47, mouth 48–67).
/// </summary>
/// <remarks>
/// <para>
/// Every distance is divided by the inter-ocular distance <c>D</c> = |p36 − p45|, the distance between the outer eye
/// corners. The outer corners are used rather than the eye centres because they move least with the expressions scored
/// here (lid narrowing and closure move the lids, not the corners). Because every proxy is a Euclidean distance (or a
/// ratio of distances) divided by another, the proxies are invariant to translation, uniform scale and in-plane
/// rotation of the whole shape; they are not invariant to out-of-plane head rotation (yaw, pitch), which is why the
/// scorer lowers its confidence with head pose.
/// </para>
/// <para>The first six proxies shrink with the pain expression (brow lowering, orbital tightening, levator contraction,
/// closure). The three mouth proxies (<see cref="LipGap"/>, <see cref="MouthWidth"/>, <see cref="CornerToNose"/>) serve the
/// infant scorer's AU25, AU27, AU12 and AU20 (<see cref="InfantAuEstimator"/>); lip gap and mouth width grow with those
/// action units, so <see cref="BaselineLearner"/> takes the complementary percentile for them (<see cref="GrowsWithExpression"/>).
/// A baseline saved before the mouth proxies existed reads them as 0 (<see cref="HasMouth"/> is false).</para>
/// </remarks>
/// <param name="EyeAspectRatio">Soukupová–Čech eye aspect ratio, mean of both eyes:
/// (|p2−p6| + |p3−p5|) / (2·|p1−p4|) with p1..p6 = 36..41 (right eye) and 42..47 (left eye). Scale-free by itself, so it is
/// not divided by <c>D</c>. About 0.25–0.35 open, below 0.1 closed. Proxy for AU43.</param>
/// <param name="LidAperture">Vertical eye opening: mean over both eyes of (|p37−p41| + |p38−p40|) / 2, divided by <c>D</c>.
/// Proxy for AU6/AU7 (orbital tightening).</param>
/// <param name="BrowToLid">Brow-to-upper-lid gap: mean of |p21−p38|, |p19−p37| (right inner and mid brow to the upper lid
/// below) and |p22−p43|, |p24−p44| (left), divided by <c>D</c>. Proxy for AU4 (brow lowerer).</param>
/// <param name="InnerBrowGap">Distance between the inner brow ends |p21−p22|, divided by <c>D</c>. Proxy for AU4 (the
/// corrugator pulls the brows together).</param>
/// <param name="NoseToUpperLip">Subnasale to upper-lip top |p33−p51|, divided by <c>D</c>. Proxy for AU9/AU10.</param>
/// <param name="NoseRootToLip">Nose root (nasion) to upper-lip top |p27−p51|, divided by <c>D</c>. Proxy for AU9/AU10.</param>
/// <param name="InterOcularPixels">The normalising distance <c>D</c> itself, in pixels: a face-size measure for the
/// confidence, not a proxy.</param>
/// <param name="LipGap">Inner-lip gap: mean of |p61−p67|, |p62−p66|, |p63−p65| (upper to lower inner lip, left, centre,
/// right), divided by <c>D</c>. About 0 with the lips together. Proxy for AU25 (lips part) and, large, AU27 (mouth stretch).</param>
/// <param name="MouthWidth">Lip-corner distance |p48−p54|, divided by <c>D</c>. Grows with AU12 (lip-corner puller) and AU20
/// (lip stretcher).</param>
/// <param name="CornerToNose">Height of the lip corners below the subnasale: the mean of p48 and p54 minus p33, projected on the
/// face's "down" axis (perpendicular to the eye line p36→p45), divided by <c>D</c>. Shrinks when the corners rise (AU12).</param>
public readonly record struct AuProxies(
    float EyeAspectRatio,
    float LidAperture,
    float BrowToLid,
    float InnerBrowGap,
    float NoseToUpperLip,
    float NoseRootToLip,
    float InterOcularPixels,
    float LipGap = 0,
    float MouthWidth = 0,
    float CornerToNose = 0)
{
    /// <summary>The number of landmarks the proxies are computed from.</summary>
    public const int LandmarkCount = Face68.Count;

    /// <summary>The number of fields (the six eye/brow/nose proxies, <see cref="InterOcularPixels"/> and the three mouth proxies), for indexed access.</summary>
    public const int FieldCount = 10;

    /// <summary>The index of <see cref="InterOcularPixels"/> in <see cref="Get"/>'s order (the one field that is not scale-free).</summary>
    public const int InterOcularIndex = 6;

    /// <summary>The smallest inter-ocular distance, in pixels, for which proxies are computed at all.</summary>
    public const float MinInterOcularPixels = 1e-3f;

    /// <summary>Gets a value indicating whether every field is finite and the inter-ocular distance is positive.</summary>
    [JsonIgnore]
    public bool IsValid =>
        float.IsFinite(EyeAspectRatio) && float.IsFinite(LidAperture) && float.IsFinite(BrowToLid) && float.IsFinite(InnerBrowGap)
        && float.IsFinite(NoseToUpperLip) && float.IsFinite(NoseRootToLip) && float.IsFinite(InterOcularPixels) && InterOcularPixels > 0
        && float.IsFinite(LipGap) && float.IsFinite(MouthWidth) && float.IsFinite(CornerToNose);

    /// <summary>Gets a value indicating whether the mouth proxies were measured (false for samples saved before they existed).</summary>
    [JsonIgnore]
    public bool HasMouth => MouthWidth > 0;

    /// <summary>Computes the proxies of a 68-point face.</summary>
    /// <param name="landmarks">At least 68 points in iBUG 300-W order, in any consistent coordinates.</param>
    /// <returns>The proxies.</returns>
    /// <exception cref="ArgumentException">Fewer than 68 points, or the outer eye corners coincide or are not finite.</exception>
    public static AuProxies FromLandmarks(ReadOnlySpan<PointF> landmarks)
    {
        if (!TryFromLandmarks(landmarks, out var proxies))
        {
            Throw(landmarks.Length, nameof(landmarks));
        }

        return proxies;
    }

    /// <summary>Computes the proxies of a 68-point face without throwing (allocation-free).</summary>
    /// <param name="landmarks">At least 68 points in iBUG 300-W order.</param>
    /// <param name="proxies">Receives the proxies, or <see langword="default"/> when this returns <see langword="false"/>.</param>
    /// <returns><see langword="false"/> when there are fewer than 68 points or the result would not be finite.</returns>
    public static bool TryFromLandmarks(ReadOnlySpan<PointF> landmarks, out AuProxies proxies)
    {
        proxies = default;
        if (landmarks.Length < LandmarkCount)
        {
            return false;
        }

        var d = Distance(landmarks[Face68.RightEyeOuter], landmarks[Face68.LeftEyeOuter]);
        if (!(d > MinInterOcularPixels) || !float.IsFinite(d))
        {
            return false;
        }

        var inv = 1f / d;
        var ear = 0.5f * (EyeAspect(landmarks, Face68.RightEyeOuter) + EyeAspect(landmarks, Face68.LeftEyeInner));
        var aperture = 0.25f * (Distance(landmarks[Face68.RightUpperLidOuter], landmarks[Face68.RightLowerLidOuter]) + Distance(landmarks[Face68.RightUpperLidInner], landmarks[Face68.RightLowerLidInner])
            + Distance(landmarks[Face68.LeftUpperLidInner], landmarks[Face68.LeftLowerLidInner]) + Distance(landmarks[Face68.LeftUpperLidOuter], landmarks[Face68.LeftLowerLidOuter]));
        var browToLid = 0.25f * (Distance(landmarks[Face68.RightBrowInner], landmarks[Face68.RightUpperLidInner]) + Distance(landmarks[Face68.RightBrowMiddle], landmarks[Face68.RightUpperLidOuter])
            + Distance(landmarks[Face68.LeftBrowInner], landmarks[Face68.LeftUpperLidInner]) + Distance(landmarks[Face68.LeftBrowMiddle], landmarks[Face68.LeftUpperLidOuter]));
        var lipGap = (Distance(landmarks[Face68.UpperInnerLipRight], landmarks[Face68.LowerInnerLipRight]) + Distance(landmarks[Face68.UpperInnerLipMiddle], landmarks[Face68.LowerInnerLipMiddle]) + Distance(landmarks[Face68.UpperInnerLipLeft], landmarks[Face68.LowerInnerLipLeft])) / 3f;

        // The face's "down" axis: the eye line's clockwise normal in image coordinates (y grows downwards).
        var downX = -(landmarks[Face68.LeftEyeOuter].Y - landmarks[Face68.RightEyeOuter].Y) * inv;
        var downY = (landmarks[Face68.LeftEyeOuter].X - landmarks[Face68.RightEyeOuter].X) * inv;
        var cornersX = (0.5f * (landmarks[Face68.RightMouthCorner].X + landmarks[Face68.LeftMouthCorner].X)) - landmarks[Face68.Subnasale].X;
        var cornersY = (0.5f * (landmarks[Face68.RightMouthCorner].Y + landmarks[Face68.LeftMouthCorner].Y)) - landmarks[Face68.Subnasale].Y;
        var result = new AuProxies(
            ear,
            aperture * inv,
            browToLid * inv,
            Distance(landmarks[Face68.RightBrowInner], landmarks[Face68.LeftBrowInner]) * inv,
            Distance(landmarks[Face68.Subnasale], landmarks[Face68.UpperLipTop]) * inv,
            Distance(landmarks[Face68.NoseRoot], landmarks[Face68.UpperLipTop]) * inv,
            d,
            lipGap * inv,
            Distance(landmarks[Face68.RightMouthCorner], landmarks[Face68.LeftMouthCorner]) * inv,
            ((cornersX * downX) + (cornersY * downY)) * inv);
        if (!result.IsValid)
        {
            return false;
        }

        proxies = result;
        return true;
    }

    /// <summary>
    /// Returns the proxies as a frontal view of the same face would give them, undoing the foreshortening of a head turned by
    /// <paramref name="yawDegrees"/> (issue 12 item 5).
    /// </summary>
    /// <remarks>
    /// <para>
    /// A turn about the vertical axis shortens every horizontal distance by about cos(yaw) (both outer eye corners lie at
    /// about the same depth, so <c>D</c> = |p36 − p45| does too) and leaves heights as they are. Every proxy divided by
    /// <c>D</c> that measures a height (lid aperture, brow-to-lid, the nose–lip distances, the lip gap, corner-to-nose)
    /// therefore reads 1 / cos(yaw) too large on a turned face, and the eye aspect ratio (heights over eye widths) the same:
    /// a neutral face turned 25° reads 10 % more open, 10 % longer between nose and lip, and a grimace's drops are eaten
    /// up. Multiplying these by cos(yaw) and dividing <see cref="InterOcularPixels"/> by it gives the frontal values; the
    /// horizontal ratios (<see cref="InnerBrowGap"/>, <see cref="MouthWidth"/>: a width over a width) need no correction.
    /// </para>
    /// <para>
    /// The far eye is foreshortened more than the near one (its surface is angled away), which the pooled correction
    /// averages: measured on the fixture faces turned by the demo warper, see the README's "Head turns" and the
    /// YawScoringTests table. Below 3° nothing changes (cos 3° = 0.9986); beyond 45° (never scored: the gate stops at 30°)
    /// the correction stays at 45°'s.
    /// </para>
    /// </remarks>
    /// <param name="yawDegrees">The head's yaw, in degrees (its sign does not matter).</param>
    /// <returns>The corrected proxies; these proxies when the yaw is under 3° or not finite.</returns>
    public AuProxies CorrectedForYaw(float yawDegrees)
    {
        var yaw = MathF.Abs(yawDegrees);
        if (!(yaw >= MinYawCorrectionDegrees) || !float.IsFinite(yaw))
        {
            return this;
        }

        var c = MathF.Cos(MathF.Min(yaw, MaxYawCorrectionDegrees) * MathF.PI / 180f);
        return this with
        {
            EyeAspectRatio = EyeAspectRatio * c,
            LidAperture = LidAperture * c,
            BrowToLid = BrowToLid * c,
            NoseToUpperLip = NoseToUpperLip * c,
            NoseRootToLip = NoseRootToLip * c,
            InterOcularPixels = InterOcularPixels / c,
            LipGap = LipGap * c,
            CornerToNose = CornerToNose * c,
        };
    }

    /// <summary>The smallest |yaw| <see cref="CorrectedForYaw"/> corrects, in degrees.</summary>
    public const float MinYawCorrectionDegrees = 3f;

    /// <summary>The largest |yaw| <see cref="CorrectedForYaw"/> corrects for, in degrees (larger yaws get this one's correction).</summary>
    public const float MaxYawCorrectionDegrees = 45f;

    /// <summary>Gets a field by index: 0 EAR, 1 lid aperture, 2 brow-to-lid, 3 inner-brow gap, 4 nose-to-upper-lip,
    /// 5 nose-root-to-lip, 6 inter-ocular pixels, 7 lip gap, 8 mouth width, 9 corner-to-nose.</summary>
    /// <param name="index">The index, 0 to <see cref="FieldCount"/> − 1.</param>
    /// <returns>The value.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is out of range.</exception>
    public float Get(int index) => index switch
    {
        0 => EyeAspectRatio,
        1 => LidAperture,
        2 => BrowToLid,
        3 => InnerBrowGap,
        4 => NoseToUpperLip,
        5 => NoseRootToLip,
        6 => InterOcularPixels,
        7 => LipGap,
        8 => MouthWidth,
        9 => CornerToNose,
        _ => throw new ArgumentOutOfRangeException(nameof(index), index, "Index must be 0–9."),
    };

    /// <summary>
    /// Gets a value indicating whether field <paramref name="index"/> grows with the expression it stands for (lip gap, mouth
    /// width), so that its neutral value is a low percentile of the samples rather than a high one.
    /// </summary>
    /// <param name="index">The field index, as <see cref="Get"/>.</param>
    /// <returns><see langword="true"/> for fields 7 and 8.</returns>
    public static bool GrowsWithExpression(int index) => index is 7 or 8;

    /// <summary>Builds proxies from values in <see cref="Get"/>'s order.</summary>
    /// <param name="values">At least <see cref="FieldCount"/> values.</param>
    /// <returns>The proxies.</returns>
    /// <exception cref="ArgumentException">Fewer than <see cref="FieldCount"/> values.</exception>
    public static AuProxies FromValues(ReadOnlySpan<float> values)
    {
        if (values.Length < FieldCount)
        {
            throw new ArgumentException($"Need {FieldCount} values, got {values.Length}.", nameof(values));
        }

        return new(values[0], values[1], values[2], values[3], values[4], values[5], values[6], values[7], values[8], values[9]);
    }

    private static float EyeAspect(ReadOnlySpan<PointF> p, int first)
    {
        var width = Distance(p[first], p[first + 3]);
        return (Distance(p[first + 1], p[first + 5]) + Distance(p[first + 2], p[first + 4])) / (2f * width);
    }

    private static float Distance(PointF a, PointF b)
    {
        var dx = a.X - b.X;
        var dy = a.Y - b.Y;
        return MathF.Sqrt((dx * dx) + (dy * dy));
    }

    private static void Throw(int length, string paramName) =>
        throw new ArgumentException(
            length < LandmarkCount
                ? $"Need {LandmarkCount} landmarks, got {length}."
                : "The landmarks are degenerate (outer eye corners coincide or a point is not finite).",
            paramName);
}
