// Copyright (c) PainStream contributors. Licensed under the MIT License.

namespace PainStream.Core.Detection;

/// <summary>
/// Indices and derived points of the 68-point iBUG 300-W landmark scheme (dlib's order: jaw 0–16, brows 17–26, nose
/// 27–35, eyes 36–47, mouth 48–67). "Right" and "left" are the subject's: the right eye is on the image's left in a
/// frontal view. In Core so that every stage (alignment, quality, scoring, region layout) names landmarks instead of
/// indexing them by number.
/// </summary>
public static class Face68
{
    /// <summary>The number of landmarks.</summary>
    public const int Count = 68;

    /// <summary>Chin (menton), the lowest jaw point.</summary>
    public const int Chin = 8;

    /// <summary>Outer end of the subject's right brow; the brows are 17–26 (right 17–21 outer to inner, left 22–26 inner to outer).</summary>
    public const int RightBrowOuter = 17;

    /// <summary>Middle of the subject's right brow.</summary>
    public const int RightBrowMiddle = 19;

    /// <summary>Inner end of the subject's right brow.</summary>
    public const int RightBrowInner = 21;

    /// <summary>Inner end of the subject's left brow.</summary>
    public const int LeftBrowInner = 22;

    /// <summary>Middle of the subject's left brow.</summary>
    public const int LeftBrowMiddle = 24;

    /// <summary>Outer end of the subject's left brow.</summary>
    public const int LeftBrowOuter = 26;

    /// <summary>Nose root (nasion), the top of the nose bridge.</summary>
    public const int NoseRoot = 27;

    /// <summary>The third point of the nose bridge (27–30), just above the tip.</summary>
    public const int NoseBridgeLower = 29;

    /// <summary>Nose tip (pronasale).</summary>
    public const int NoseTip = 30;

    /// <summary>Subject's right nostril wing (alar base).</summary>
    public const int RightNostril = 31;

    /// <summary>Subnasale, the bottom of the nose between the nostrils.</summary>
    public const int Subnasale = 33;

    /// <summary>Subject's left nostril wing (alar base).</summary>
    public const int LeftNostril = 35;

    /// <summary>First point of the subject's right eye (its outer corner); the eye is 36–41.</summary>
    public const int RightEyeOuter = 36;

    /// <summary>Upper lid of the subject's right eye, outer point (above <see cref="RightLowerLidOuter"/>).</summary>
    public const int RightUpperLidOuter = 37;

    /// <summary>Upper lid of the subject's right eye, inner point (above <see cref="RightLowerLidInner"/>).</summary>
    public const int RightUpperLidInner = 38;

    /// <summary>Inner corner of the subject's right eye.</summary>
    public const int RightEyeInner = 39;

    /// <summary>Lower lid of the subject's right eye, inner point.</summary>
    public const int RightLowerLidInner = 40;

    /// <summary>Lower lid of the subject's right eye, outer point.</summary>
    public const int RightLowerLidOuter = 41;

    /// <summary>Inner corner of the subject's left eye; the eye is 42–47.</summary>
    public const int LeftEyeInner = 42;

    /// <summary>Upper lid of the subject's left eye, inner point (above <see cref="LeftLowerLidInner"/>).</summary>
    public const int LeftUpperLidInner = 43;

    /// <summary>Upper lid of the subject's left eye, outer point (above <see cref="LeftLowerLidOuter"/>).</summary>
    public const int LeftUpperLidOuter = 44;

    /// <summary>Outer corner of the subject's left eye.</summary>
    public const int LeftEyeOuter = 45;

    /// <summary>Lower lid of the subject's left eye, outer point.</summary>
    public const int LeftLowerLidOuter = 46;

    /// <summary>Lower lid of the subject's left eye, inner point (the eye's last point).</summary>
    public const int LeftLowerLidInner = 47;

    /// <summary>Subject's right mouth corner.</summary>
    public const int RightMouthCorner = 48;

    /// <summary>Top of the upper lip at the middle (below the philtrum).</summary>
    public const int UpperLipTop = 51;

    /// <summary>Subject's left mouth corner.</summary>
    public const int LeftMouthCorner = 54;

    /// <summary>Bottom of the lower lip at the middle.</summary>
    public const int LowerLipBottom = 57;

    /// <summary>Inner edge of the upper lip, subject's right (above <see cref="LowerInnerLipRight"/>).</summary>
    public const int UpperInnerLipRight = 61;

    /// <summary>Inner edge of the upper lip at the middle (above <see cref="LowerInnerLipMiddle"/>).</summary>
    public const int UpperInnerLipMiddle = 62;

    /// <summary>Inner edge of the upper lip, subject's left (above <see cref="LowerInnerLipLeft"/>).</summary>
    public const int UpperInnerLipLeft = 63;

    /// <summary>Inner edge of the lower lip, subject's left.</summary>
    public const int LowerInnerLipLeft = 65;

    /// <summary>Inner edge of the lower lip at the middle.</summary>
    public const int LowerInnerLipMiddle = 66;

    /// <summary>Inner edge of the lower lip, subject's right.</summary>
    public const int LowerInnerLipRight = 67;

    /// <summary>Mean of the six points of the subject's right eye (36–41).</summary>
    public static PointF RightEyeCentre(ReadOnlySpan<PointF> landmarks) => Mean(landmarks.Slice(RightEyeOuter, 6));

    /// <summary>Mean of the six points of the subject's left eye (42–47).</summary>
    public static PointF LeftEyeCentre(ReadOnlySpan<PointF> landmarks) => Mean(landmarks.Slice(LeftEyeInner, 6));

    /// <summary>
    /// Distance between the outer eye corners |p36 − p45|: the same inter-ocular measure as the geometric scorer's
    /// <c>AuProxies.InterOcularPixels</c>, so the quality gate and the scorer judge face size alike.
    /// </summary>
    public static float OuterCornerDistance(ReadOnlySpan<PointF> landmarks) => Distance(landmarks[RightEyeOuter], landmarks[LeftEyeOuter]);

    /// <summary>Euclidean distance between two points.</summary>
    public static float Distance(PointF a, PointF b)
    {
        var dx = a.X - b.X;
        var dy = a.Y - b.Y;
        return MathF.Sqrt((dx * dx) + (dy * dy));
    }

    private static PointF Mean(ReadOnlySpan<PointF> points)
    {
        float x = 0, y = 0;
        foreach (var p in points)
        {
            x += p.X;
            y += p.Y;
        }

        return new PointF(x / points.Length, y / points.Length);
    }
}
