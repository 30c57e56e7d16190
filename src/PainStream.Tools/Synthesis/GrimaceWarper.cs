// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Detection;

namespace PainStream.Tools.Synthesis;

/// <summary>
/// Makes a pain grimace out of a neutral face: moves its 68 landmarks by a <see cref="GrimaceShape"/> and warps the image
/// with <see cref="PiecewiseAffineWarp"/>.
/// </summary>
/// <remarks>
/// <para>
/// Displacements are in units of the inter-ocular distance <c>D</c> = |p36 − p45| (the outer eye corners, as in the
/// scorer's proxies) along the face's own axes: <c>u</c> from p36 to p45 (across the face) and <c>v</c> perpendicular to it,
/// pointing down the face. So a grimace is the same for any face size and in-plane rotation. For reference, on dlib's mean
/// shape the lid aperture is about 0.089 <c>D</c>, the brow-to-upper-lid gap 0.22 <c>D</c>, the inner-brow gap 0.26 <c>D</c>
/// and the subnasale-to-upper-lip distance 0.13 <c>D</c>.
/// </para>
/// <para>
/// Which points move, at full strength: brows 17–26 down by <see cref="BrowLowerDistance"/> × 0.35, 0.6, 0.85, 1, 1 (outer
/// to inner end) and 19–21 / 22–24 toward the midline by <see cref="InnerBrowPullDistance"/> × 0.25, 0.6, 1; upper lids 37,
/// 38, 43, 44 down and lower lids 40, 41, 46, 47 up; upper lip 50–52 up by <see cref="LipRaiseDistance"/>, 49 and 53 by
/// 0.85 of it, the mouth corners 48, 54 by 0.3, the inner upper lip 61–63 by 0.75 (the mouth opens slightly, the lip
/// thickens), 60 and 64 by 0.3, the nostril wings 31, 35 by 0.35, 32, 34 by 0.2 and the subnasale 33 by 0.1.
/// </para>
/// <para>
/// Plausibility: each displacement is clamped so that no contour crosses another (brows keep half their gap above the lids,
/// the inner brows half their gap, lids 35 % of their gap until <see cref="GrimaceShape.EyeClose"/> closes them, the lip
/// 35 % of its distance below the nose). The eye corners and the nose bridge never move; the jaw and the lower lip (55–59,
/// 65–67) move only with <see cref="GrimaceShape.MouthOpen"/> (the jaw drops, so lower lip and chin go down together).
/// Strength 0 moves nothing and returns the image unchanged.
/// </para>
/// <para>Thread-safe: stateless.</para>
/// </remarks>
public static class GrimaceWarper
{
    /// <summary>AU4: how far the inner brow (points 20–23) moves down, in <c>D</c>; the outer brow moves less (weights 1 to 0.35).</summary>
    public const float BrowLowerDistance = 0.10f;

    /// <summary>AU4: how far each inner brow end (21, 22) moves toward the midline, in <c>D</c> (20/23 by 0.6 of it, 19/24 by 0.25).</summary>
    public const float InnerBrowPullDistance = 0.02f;

    /// <summary>AU6/7: how far the upper lid (37, 38, 43, 44) moves down, in <c>D</c>.</summary>
    public const float UpperLidLowerDistance = 0.02f;

    /// <summary>AU6/7: how far the lower lid (40, 41, 46, 47) moves up (cheek raise), in <c>D</c>.</summary>
    public const float LowerLidRaiseDistance = 0.025f;

    /// <summary>AU9/10: how far the top of the upper lip (50–52) moves up, in <c>D</c>; the rest of the upper lip, the inner
    /// lip and the nostril wings move by fixed fractions of it (see the class remarks).</summary>
    public const float LipRaiseDistance = 0.08f;

    /// <summary>AU26/27: how far the middle of the lower lip (57, 66) and the chin (8) move down at full
    /// <see cref="GrimaceShape.MouthOpen"/>, in <c>D</c>; the rest of the lower lip and the jaw move by fixed fractions of it.</summary>
    public const float MouthOpenDistance = 0.25f;

    /// <summary>The brow keeps at least this fraction of its original gap above the (moved) upper lid.</summary>
    public const float MinBrowLidGapFraction = 0.5f;

    /// <summary>Each pair of inner brow points keeps at least this fraction of its original horizontal gap.</summary>
    public const float MinInnerBrowGapFraction = 0.5f;

    /// <summary>Narrowing alone keeps at least this fraction of each lid gap (the eye is squeezed, not shut).</summary>
    public const float MinNarrowedApertureFraction = 0.35f;

    /// <summary>Full <see cref="GrimaceShape.EyeClose"/> leaves this fraction of each original lid gap (lids touching, not crossing).</summary>
    public const float ClosedApertureFraction = 0.08f;

    /// <summary>The upper lip keeps at least this fraction of its original distance below the subnasale.</summary>
    public const float MinNoseLipGapFraction = 0.35f;

    // Brow weights from the outer end (17 / 26) to the inner end (21 / 22).
    private static readonly float[] BrowLowerWeights = [0.35f, 0.6f, 0.85f, 1f, 1f];
    private static readonly float[] BrowPullWeights = [0f, 0f, 0.25f, 0.6f, 1f];

    // Upper lid / lower lid pairs facing each other across the eye.
    private static readonly (int Upper, int Lower)[] LidPairs = [(37, 41), (38, 40), (43, 47), (44, 46)];

    // Upper lip (outer 48–54, inner 60–64) and nostrils (31–35), with the fraction of LipRaiseDistance each moves up.
    private static readonly (int Index, float Weight)[] LipRaiseWeights =
    [
        (48, 0.3f), (49, 0.85f), (50, 1f), (51, 1f), (52, 1f), (53, 0.85f), (54, 0.3f),
        (60, 0.3f), (61, 0.75f), (62, 0.75f), (63, 0.75f), (64, 0.3f),
        (31, 0.35f), (32, 0.2f), (33, 0.1f), (34, 0.2f), (35, 0.35f),
    ];

    // Lower lip (outer 55–59, inner 65–67) and jaw (4–12), with the fraction of MouthOpenDistance each moves down.
    private static readonly (int Index, float Weight)[] MouthOpenWeights =
    [
        (55, 0.8f), (56, 0.95f), (57, 1f), (58, 0.95f), (59, 0.8f), (65, 0.9f), (66, 1f), (67, 0.9f),
        (4, 0.2f), (5, 0.45f), (6, 0.7f), (7, 0.9f), (8, 1f), (9, 0.9f), (10, 0.7f), (11, 0.45f), (12, 0.2f),
    ];

    /// <summary>Computes where the landmarks of a face go for <paramref name="shape"/>.</summary>
    /// <param name="source">The face's 68 landmarks (iBUG 300-W order).</param>
    /// <param name="shape">The grimace; strengths are clamped to [0, 1].</param>
    /// <param name="target">Receives 68 landmarks; equal to <paramref name="source"/> for a neutral shape.</param>
    /// <exception cref="ArgumentException">A span holds fewer than 68 points, or the outer eye corners coincide.</exception>
    public static void ComputeTargets(ReadOnlySpan<PointF> source, GrimaceShape shape, Span<PointF> target)
    {
        const int Count = PiecewiseAffineWarp.LandmarkCount;
        if (source.Length < Count || target.Length < Count)
        {
            throw new ArgumentException($"Need {Count} source and target landmarks.", source.Length < Count ? nameof(source) : nameof(target));
        }

        source[..Count].CopyTo(target);
        shape = shape.Clamped();
        if (shape.IsNeutral)
        {
            return;
        }

        var frame = FaceFrame.From(source);
        MoveEyes(source, target, frame, shape);
        MoveBrows(source, target, frame, shape.BrowLower);
        RaiseLip(source, target, frame, shape.LipRaise);
        OpenMouth(source, target, frame, shape.MouthOpen);
        HeadTurn.Rotate(source, target, shape.YawDegrees);
    }

    /// <summary>Warps <paramref name="source"/> into <paramref name="destination"/> with the face grimacing by <paramref name="shape"/>.</summary>
    /// <param name="source">The image.</param>
    /// <param name="landmarks">The face's 68 landmarks in <paramref name="source"/>.</param>
    /// <param name="shape">The grimace.</param>
    /// <param name="destination">Receives the warped image (same size, packed BGR24 rows); must not overlap the source.</param>
    /// <param name="destinationStride">Bytes from one destination row to the next.</param>
    /// <exception cref="ArgumentException">A span is too short, or the landmarks are degenerate.</exception>
    public static void Apply(BgrImage source, ReadOnlySpan<PointF> landmarks, GrimaceShape shape, Span<byte> destination, int destinationStride)
    {
        Span<PointF> target = stackalloc PointF[PiecewiseAffineWarp.LandmarkCount];
        ComputeTargets(landmarks, shape, target);
        PiecewiseAffineWarp.Warp(source, landmarks, target, destination, destinationStride);
    }

    private static void MoveEyes(ReadOnlySpan<PointF> source, Span<PointF> target, in FaceFrame frame, GrimaceShape shape)
    {
        foreach (var (upper, lower) in LidPairs)
        {
            var gap = frame.Down(source[lower]) - frame.Down(source[upper]);
            if (!(gap > 0))
            {
                // Already closed (or the landmarks cross): nothing to narrow or close.
                continue;
            }

            var down = UpperLidLowerDistance * frame.D * shape.EyeNarrow;
            var up = LowerLidRaiseDistance * frame.D * shape.EyeNarrow;
            var most = gap * (1 - MinNarrowedApertureFraction);
            if (down + up > most)
            {
                var scale = most / (down + up);
                down *= scale;
                up *= scale;
            }

            // Closure then lowers the upper lid through what is left of the gap, onto the (raised) lower lid.
            var left = gap - down - up;
            down += MathF.Max(0, left - (ClosedApertureFraction * gap)) * shape.EyeClose;
            target[upper] = frame.Move(source[upper], 0, down);
            target[lower] = frame.Move(source[lower], 0, -up);
        }
    }

    private static void MoveBrows(ReadOnlySpan<PointF> source, Span<PointF> target, in FaceFrame frame, float strength)
    {
        if (!(strength > 0))
        {
            return;
        }

        // The top of each (already moved) upper lid, which the brow must stay above.
        var rightLidTop = MathF.Min(frame.Down(target[37]), frame.Down(target[38]));
        var rightLidTopBefore = MathF.Min(frame.Down(source[37]), frame.Down(source[38]));
        var leftLidTop = MathF.Min(frame.Down(target[43]), frame.Down(target[44]));
        var leftLidTopBefore = MathF.Min(frame.Down(source[43]), frame.Down(source[44]));
        for (var k = 0; k < BrowLowerWeights.Length; k++)
        {
            int right = 17 + k, left = 26 - k;

            // Each pair of mirrored brow points closes in on the midline by at most half of its horizontal gap.
            var pull = InnerBrowPullDistance * frame.D * strength * BrowPullWeights[k];
            var across = frame.Across(source[left]) - frame.Across(source[right]);
            pull = MathF.Max(0, MathF.Min(pull, across * (1 - MinInnerBrowGapFraction) / 2));

            var down = BrowLowerDistance * frame.D * strength * BrowLowerWeights[k];
            target[right] = frame.Move(source[right], pull, LimitBrowDrop(frame.Down(source[right]), down, rightLidTop, rightLidTopBefore));
            target[left] = frame.Move(source[left], -pull, LimitBrowDrop(frame.Down(source[left]), down, leftLidTop, leftLidTopBefore));
        }
    }

    private static float LimitBrowDrop(float brow, float down, float lidTop, float lidTopBefore)
    {
        var gap = lidTopBefore - brow;
        if (!(gap > 0))
        {
            return 0;
        }

        return MathF.Max(0, MathF.Min(down, lidTop - brow - (MinBrowLidGapFraction * gap)));
    }

    private static void RaiseLip(ReadOnlySpan<PointF> source, Span<PointF> target, in FaceFrame frame, float strength)
    {
        if (!(strength > 0))
        {
            return;
        }

        var raise = LipRaiseDistance * frame.D * strength;

        // The lip top (51) rises by the full amount and the subnasale (33) by a tenth of it: keep the gap between them.
        var gap = frame.Down(source[51]) - frame.Down(source[33]);
        var most = MathF.Max(0, gap * (1 - MinNoseLipGapFraction) / 0.9f);
        raise = MathF.Min(raise, most);
        foreach (var (index, weight) in LipRaiseWeights)
        {
            target[index] = frame.Move(source[index], 0, -raise * weight);
        }
    }

    private static void OpenMouth(ReadOnlySpan<PointF> source, Span<PointF> target, in FaceFrame frame, float strength)
    {
        if (!(strength > 0))
        {
            return;
        }

        var drop = MouthOpenDistance * frame.D * strength;
        foreach (var (index, weight) in MouthOpenWeights)
        {
            target[index] = frame.Move(source[index], 0, drop * weight);
        }
    }

    /// <summary>The face's axes: <c>u</c> across (right eye to left eye), <c>v</c> down, and the unit <c>D</c>.</summary>
    private readonly struct FaceFrame
    {
        private readonly float _ux;
        private readonly float _uy;

        private FaceFrame(float ux, float uy, float d)
        {
            _ux = ux;
            _uy = uy;
            D = d;
        }

        public float D { get; }

        public static FaceFrame From(ReadOnlySpan<PointF> landmarks)
        {
            var dx = landmarks[45].X - landmarks[36].X;
            var dy = landmarks[45].Y - landmarks[36].Y;
            var d = MathF.Sqrt((dx * dx) + (dy * dy));
            if (!(d > 1e-3f) || !float.IsFinite(d))
            {
                throw new ArgumentException("The landmarks are degenerate: the outer eye corners (36, 45) coincide or are not finite.", nameof(landmarks));
            }

            return new FaceFrame(dx / d, dy / d, d);
        }

        /// <summary>The coordinate along <c>u</c> (across the face, toward the subject's left).</summary>
        public float Across(PointF p) => (p.X * _ux) + (p.Y * _uy);

        /// <summary>The coordinate along <c>v</c> (down the face).</summary>
        public float Down(PointF p) => (-p.X * _uy) + (p.Y * _ux);

        /// <summary>Moves a point by <paramref name="across"/> along <c>u</c> and <paramref name="down"/> along <c>v</c>, in pixels.</summary>
        public PointF Move(PointF p, float across, float down) =>
            new(p.X + (across * _ux) - (down * _uy), p.Y + (across * _uy) + (down * _ux));
    }
}
