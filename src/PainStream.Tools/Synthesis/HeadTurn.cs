// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Detection;

namespace PainStream.Tools.Synthesis;

/// <summary>
/// Approximates a head turn (yaw) of a frontal face by moving its 68 landmarks as if the face were wrapped on a vertical
/// cylinder and rotated about the cylinder's axis; <see cref="GrimaceWarper"/> then warps the pixels with them.
/// </summary>
/// <remarks>
/// <para>
/// The cylinder's axis is midway between the face contour's ends (points 0 and 16), its radius <c>R</c> half their
/// distance, both measured along the eye line of the neutral face. A point at <c>a</c> across the face from the axis sits at
/// the angle <c>φ = asin(a / r)</c> on a circle of radius <c>r = R + protrusion</c>: the nose (27–35) stands out of the
/// cylinder by a depth taken from <see cref="Vision.Alignment.HeadPoseEstimator"/>'s generic face (nose tip about a quarter of
/// the inter-ocular distance <c>D</c> in front of the nasion), every other point lies on it. Turning by <c>θ</c> moves the
/// point to <c>r · sin(φ + θ) − R · sin θ</c>: the face's midline stays where it was, the far side is foreshortened, the
/// near side widens, and the nose moves towards the far side by its protrusion × sin θ. Heights do not change (an
/// orthographic view, no perspective). The contour points are a silhouette, not points on the skin: they stop at the
/// cylinder's edge (φ + θ clamped to ±90°) instead of going round the back, so the far cheek keeps a strip of skin
/// outside the far eye (about 0.1 D at 25°).
/// </para>
/// <para>
/// It is an approximation for synthetic test faces and the ward demo, good to about ±30°: the hair and ears do not turn
/// (they lie outside the warp's margin box or on its fixed anchors), the occluded far cheek is compressed rather than
/// hidden. What it reproduces is what the scorer's proxies see: horizontal distances shrink by about cos θ, the far eye
/// narrows more than the near one, the nose moves across the face, and heights stay as they are.
/// </para>
/// <para>Thread-safe: stateless.</para>
/// </remarks>
public static class HeadTurn
{
    // How far each nose point stands out of the cylinder, in units of the inter-ocular distance D (outer eye corners):
    // the generic face's nose (HeadPoseEstimator: 90 mm biocular width, nasion 22 mm behind the tip) over that of the
    // cheeks at the nasion's level, rounded.
    private static readonly (int Index, float Protrusion)[] NoseProtrusion =
    [
        (27, 0.02f), (28, 0.1f), (29, 0.18f), (30, 0.26f), (31, 0.04f), (32, 0.08f), (33, 0.08f), (34, 0.08f), (35, 0.04f),
    ];

    /// <summary>Turns the face in <paramref name="target"/> by <paramref name="yawDegrees"/>, the cylinder fitted to <paramref name="neutral"/>.</summary>
    /// <param name="neutral">The neutral face's 68 landmarks (the cylinder and the depths are taken from them).</param>
    /// <param name="target">The (possibly already grimacing) landmarks, moved in place.</param>
    /// <param name="yawDegrees">The turn, with <see cref="Vision.Alignment.HeadPoseEstimate"/>'s sign (positive: the nose points towards
    /// the image's left); 0 changes nothing.</param>
    /// <exception cref="ArgumentException">A span holds fewer than 68 points, or the outer eye corners or contour ends coincide.</exception>
    public static void Rotate(ReadOnlySpan<PointF> neutral, Span<PointF> target, float yawDegrees)
    {
        const int Count = PiecewiseAffineWarp.LandmarkCount;
        if (neutral.Length < Count || target.Length < Count)
        {
            throw new ArgumentException($"Need {Count} neutral and target landmarks.", neutral.Length < Count ? nameof(neutral) : nameof(target));
        }

        if (!(MathF.Abs(yawDegrees) > 0) || !float.IsFinite(yawDegrees))
        {
            return;
        }

        // The eye line's unit vector u (right eye outer corner → left eye outer corner, towards the image's right in a
        // frontal view) and D.
        var dx = neutral[45].X - neutral[36].X;
        var dy = neutral[45].Y - neutral[36].Y;
        var d = MathF.Sqrt((dx * dx) + (dy * dy));
        if (!(d > 1e-3f) || !float.IsFinite(d))
        {
            throw new ArgumentException("The landmarks are degenerate: the outer eye corners (36, 45) coincide or are not finite.", nameof(neutral));
        }

        float ux = dx / d, uy = dy / d;
        float Across(PointF p) => (p.X * ux) + (p.Y * uy);
        var left = Across(neutral[16]);
        var right = Across(neutral[0]);
        var radius = 0.5f * (left - right);
        if (!(radius > 0.5f * d))
        {
            throw new ArgumentException("The landmarks are degenerate: the face contour (0–16) is narrower than the eyes.", nameof(neutral));
        }

        var axis = 0.5f * (left + right);

        // Positive yaw turns the nose towards the image's left: towards −u.
        var theta = -yawDegrees * MathF.PI / 180f;
        var shift = radius * MathF.Sin(theta);
        Span<float> protrusion = stackalloc float[Count];
        protrusion.Clear();
        foreach (var (index, value) in NoseProtrusion)
        {
            protrusion[index] = value * d;
        }

        for (var i = 0; i < Count; i++)
        {
            var r = radius + protrusion[i];
            var a = Across(target[i]) - axis;
            var phi = MathF.Asin(Math.Clamp(a / r, -1f, 1f));
            var turned = phi + theta;
            if (i <= 16)
            {
                turned = Math.Clamp(turned, -MathF.PI / 2, MathF.PI / 2);
            }

            var moved = (r * MathF.Sin(turned)) - shift - a;
            target[i] = new PointF(target[i].X + (moved * ux), target[i].Y + (moved * uy));
        }
    }
}
