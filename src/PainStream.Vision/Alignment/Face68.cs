// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Detection;

namespace PainStream.Vision.Alignment;

/// <summary>
/// Indices and derived points of the 68-point iBUG 300-W landmark scheme (dlib's order: jaw 0–16, brows 17–26, nose
/// 27–35, eyes 36–47, mouth 48–67). "Right" and "left" are the subject's: the right eye is on the image's left in a
/// frontal view.
/// </summary>
internal static class Face68
{
    /// <summary>The number of landmarks.</summary>
    public const int Count = 68;

    /// <summary>Chin (menton), the lowest jaw point.</summary>
    public const int Chin = 8;

    /// <summary>Nose root (nasion), the top of the nose bridge.</summary>
    public const int NoseRoot = 27;

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

    /// <summary>Inner corner of the subject's right eye.</summary>
    public const int RightEyeInner = 39;

    /// <summary>Inner corner of the subject's left eye; the eye is 42–47.</summary>
    public const int LeftEyeInner = 42;

    /// <summary>Outer corner of the subject's left eye.</summary>
    public const int LeftEyeOuter = 45;

    /// <summary>Subject's right mouth corner.</summary>
    public const int RightMouthCorner = 48;

    /// <summary>Subject's left mouth corner.</summary>
    public const int LeftMouthCorner = 54;

    /// <summary>Mean of the six points of the subject's right eye (36–41).</summary>
    public static PointF RightEyeCentre(ReadOnlySpan<PointF> landmarks) => Mean(landmarks.Slice(36, 6));

    /// <summary>Mean of the six points of the subject's left eye (42–47).</summary>
    public static PointF LeftEyeCentre(ReadOnlySpan<PointF> landmarks) => Mean(landmarks.Slice(42, 6));

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
