// Copyright (c) PainStream contributors. Licensed under the MIT License.

using OpenCvSharp;
using PainStream.Core.Detection;

namespace PainStream.Tools.Synthesis;

/// <summary>One triangle of the warp mesh: three indices into the control points (68 landmarks, then 8 anchors).</summary>
/// <param name="A">First vertex.</param>
/// <param name="B">Second vertex.</param>
/// <param name="C">Third vertex.</param>
public readonly record struct WarpTriangle(int A, int B, int C);

/// <summary>
/// Piecewise-affine image warp driven by 68-point landmarks: moves the pixels of a face so that its source landmarks land
/// on target landmarks, and leaves everything outside a margin box around the face untouched.
/// </summary>
/// <remarks>
/// <para>
/// The mesh has 76 control points: the 68 iBUG 300-W landmarks and 8 fixed anchors on a margin box around them (the
/// landmarks' bounding box grown by <see cref="MarginFaceWidths"/> of its width on every side: corners and edge midpoints,
/// in that order from the top-left corner, clockwise). The triangles are the Delaunay triangulation (OpenCV
/// <c>Subdiv2D</c>) of dlib's 68-point mean shape plus its anchors, computed once per process and used for every face, so
/// the mesh topology never changes from frame to frame, and a displacement that keeps each landmark inside its
/// neighbours' polygon cannot flip a triangle. <see cref="CountFoldedTriangles"/> checks that for a given target.
/// </para>
/// <para>
/// For every triangle whose vertices move, <c>GetAffineTransform</c> maps the target triangle back to the source triangle
/// and <c>WarpAffine</c> (bilinear, inverse map, replicated border) fills the target triangle's bounding rectangle;
/// only the pixels whose centres lie inside the target triangle are copied out of it (a pixel-exact edge test, so
/// neighbouring triangles leave no seams: along a shared edge both affine maps agree). Triangles whose vertices do not move
/// are identity maps and are skipped, so a target equal to the source returns the source bytes exactly, and pixels outside
/// the margin box (equivalently: the mesh is pinned to the image corners) never change.
/// </para>
/// <para>Thread-safe: the class is stateless; each call allocates its own scratch image.</para>
/// </remarks>
public static class PiecewiseAffineWarp
{
    /// <summary>The number of face landmarks the mesh is built on (iBUG 300-W).</summary>
    public const int LandmarkCount = 68;

    /// <summary>The number of fixed anchors on the margin box.</summary>
    public const int AnchorCount = 8;

    /// <summary>The number of control points: landmarks then anchors.</summary>
    public const int ControlPointCount = LandmarkCount + AnchorCount;

    /// <summary>
    /// The margin around the landmarks' bounding box, in units of its width (0.6: enough forehead above the brows and cheek
    /// beside the eyes for the displaced features to blend into; the anchors do not move).
    /// </summary>
    public const float MarginFaceWidths = 0.6f;

    // A vertex that moves less than this (pixels) counts as fixed: its triangles are identity maps and are skipped.
    private const float MoveEpsilon = 1e-4f;

    // Target triangles thinner than this (twice the area, square pixels) cover no pixel centre worth drawing.
    private const double MinDoubleArea = 1e-3;

    // A pixel centre this close to an edge (pixels) counts as inside, so shared edges leave no cracks.
    private const double EdgeTolerance = 1e-3;

    /// <summary>
    /// dlib's 68-point mean shape (<c>shape_predictor_68_face_landmarks.dat</c>, normalised to the face box), x then y
    /// per point, rounded to 4 decimals: only the mesh topology is derived from it.
    /// </summary>
    private static readonly float[] MeanShape =
    [
        0.0294f, 0.3219f, 0.0326f, 0.4464f, 0.0459f, 0.5704f, 0.0718f, 0.6920f, 0.1203f, 0.8050f, 0.1947f, 0.9029f,
        0.2858f, 0.9846f, 0.3863f, 1.0502f, 0.5000f, 1.0697f, 0.6137f, 1.0502f, 0.7142f, 0.9846f, 0.8053f, 0.9029f,
        0.8797f, 0.8050f, 0.9282f, 0.6920f, 0.9541f, 0.5704f, 0.9674f, 0.4464f, 0.9706f, 0.3219f, 0.1192f, 0.2309f,
        0.1775f, 0.1784f, 0.2598f, 0.1627f, 0.3451f, 0.1749f, 0.4249f, 0.2081f, 0.5751f, 0.2081f, 0.6550f, 0.1749f,
        0.7402f, 0.1627f, 0.8225f, 0.1784f, 0.8809f, 0.2309f, 0.5000f, 0.3055f, 0.5000f, 0.3857f, 0.5000f, 0.4652f,
        0.5000f, 0.5470f, 0.4045f, 0.6023f, 0.4504f, 0.6192f, 0.5000f, 0.6337f, 0.5497f, 0.6192f, 0.5955f, 0.6023f,
        0.2139f, 0.3156f, 0.2647f, 0.2863f, 0.3259f, 0.2872f, 0.3794f, 0.3276f, 0.3221f, 0.3378f, 0.2612f, 0.3370f,
        0.6207f, 0.3276f, 0.6742f, 0.2872f, 0.7353f, 0.2863f, 0.7862f, 0.3156f, 0.7388f, 0.3370f, 0.6780f, 0.3378f,
        0.3171f, 0.7511f, 0.3844f, 0.7242f, 0.4525f, 0.7103f, 0.5000f, 0.7220f, 0.5475f, 0.7103f, 0.6156f, 0.7242f,
        0.6829f, 0.7511f, 0.6178f, 0.8169f, 0.5516f, 0.8460f, 0.5000f, 0.8515f, 0.4484f, 0.8460f, 0.3823f, 0.8169f,
        0.3452f, 0.7547f, 0.4519f, 0.7499f, 0.5000f, 0.7550f, 0.5481f, 0.7499f, 0.6548f, 0.7547f, 0.5490f, 0.7857f,
        0.5000f, 0.7916f, 0.4510f, 0.7857f,
    ];

    private static readonly Lazy<WarpTriangle[]> LazyTriangles = new(BuildTriangles);

    /// <summary>Gets the mesh: triangles over the control points, counter-clockwise on screen in the mean shape.</summary>
    public static IReadOnlyList<WarpTriangle> Triangles => LazyTriangles.Value;

    /// <summary>Computes the 76 control points of a face: its 68 landmarks, then the 8 margin-box anchors.</summary>
    /// <param name="landmarks">At least 68 landmarks in iBUG 300-W order.</param>
    /// <param name="controlPoints">Receives <see cref="ControlPointCount"/> points.</param>
    /// <exception cref="ArgumentException">A span is too short.</exception>
    public static void GetControlPoints(ReadOnlySpan<PointF> landmarks, Span<PointF> controlPoints)
    {
        CheckLength(landmarks.Length, LandmarkCount, nameof(landmarks));
        CheckLength(controlPoints.Length, ControlPointCount, nameof(controlPoints));
        landmarks[..LandmarkCount].CopyTo(controlPoints);
        var box = MarginBox(landmarks);
        float left = box.X, top = box.Y, right = box.Right, bottom = box.Bottom;
        float midX = (left + right) / 2, midY = (top + bottom) / 2;
        controlPoints[LandmarkCount] = new(left, top);
        controlPoints[LandmarkCount + 1] = new(midX, top);
        controlPoints[LandmarkCount + 2] = new(right, top);
        controlPoints[LandmarkCount + 3] = new(right, midY);
        controlPoints[LandmarkCount + 4] = new(right, bottom);
        controlPoints[LandmarkCount + 5] = new(midX, bottom);
        controlPoints[LandmarkCount + 6] = new(left, bottom);
        controlPoints[LandmarkCount + 7] = new(left, midY);
    }

    /// <summary>
    /// Gets the margin box of a face: the landmarks' bounding box grown by <see cref="MarginFaceWidths"/> of its width on
    /// every side. The warp never changes a pixel outside it.
    /// </summary>
    /// <param name="landmarks">At least 68 landmarks.</param>
    /// <returns>The box, in the landmarks' coordinates (it may extend past the image).</returns>
    public static BoxF MarginBox(ReadOnlySpan<PointF> landmarks)
    {
        CheckLength(landmarks.Length, LandmarkCount, nameof(landmarks));
        float minX = float.MaxValue, minY = float.MaxValue, maxX = float.MinValue, maxY = float.MinValue;
        for (var i = 0; i < LandmarkCount; i++)
        {
            var p = landmarks[i];
            if (!float.IsFinite(p.X) || !float.IsFinite(p.Y))
            {
                throw new ArgumentException($"Landmark {i} is not finite.", nameof(landmarks));
            }

            minX = MathF.Min(minX, p.X);
            maxX = MathF.Max(maxX, p.X);
            minY = MathF.Min(minY, p.Y);
            maxY = MathF.Max(maxY, p.Y);
        }

        var margin = MathF.Max(1f, MarginFaceWidths * (maxX - minX));
        return new BoxF(minX - margin, minY - margin, maxX - minX + (2 * margin), maxY - minY + (2 * margin));
    }

    /// <summary>
    /// Counts the triangles that a warp from <paramref name="sourceLandmarks"/> to <paramref name="targetLandmarks"/> would
    /// fold over (turn inside out) or collapse: 0 for a plausible displacement.
    /// </summary>
    /// <param name="sourceLandmarks">The face's landmarks (68).</param>
    /// <param name="targetLandmarks">Where they should go (68).</param>
    /// <returns>The number of triangles whose orientation differs between source and target, or that have no area in the
    /// target while they had some in the source.</returns>
    public static int CountFoldedTriangles(ReadOnlySpan<PointF> sourceLandmarks, ReadOnlySpan<PointF> targetLandmarks)
    {
        Span<PointF> source = stackalloc PointF[ControlPointCount];
        Span<PointF> target = stackalloc PointF[ControlPointCount];
        GetControlPoints(sourceLandmarks, source);
        GetControlPoints(sourceLandmarks, target);
        CheckLength(targetLandmarks.Length, LandmarkCount, nameof(targetLandmarks));
        targetLandmarks[..LandmarkCount].CopyTo(target);
        var folded = 0;
        foreach (var t in LazyTriangles.Value)
        {
            var before = DoubleArea(source[t.A], source[t.B], source[t.C]);
            var after = DoubleArea(target[t.A], target[t.B], target[t.C]);
            if ((Math.Abs(before) > MinDoubleArea && Math.Abs(after) <= MinDoubleArea) || (before * after < 0))
            {
                folded++;
            }
        }

        return folded;
    }

    /// <summary>
    /// Warps <paramref name="source"/> so that the pixels at <paramref name="sourceLandmarks"/> move to
    /// <paramref name="targetLandmarks"/>, writing a same-size image to <paramref name="destination"/>.
    /// </summary>
    /// <param name="source">The image.</param>
    /// <param name="sourceLandmarks">The face's 68 landmarks in <paramref name="source"/>.</param>
    /// <param name="targetLandmarks">Where the landmarks should be in the output (68). Keep them inside the margin box and
    /// free of folds (<see cref="CountFoldedTriangles"/>); a folded triangle paints over its neighbours.</param>
    /// <param name="destination">Receives <paramref name="source"/>'s size in packed BGR24 rows; it must not overlap the source.</param>
    /// <param name="destinationStride">Bytes from one destination row to the next (at least <c>Width * 3</c>).</param>
    /// <exception cref="ArgumentException">A span is too short, or a landmark is not finite.</exception>
    public static unsafe void Warp(BgrImage source, ReadOnlySpan<PointF> sourceLandmarks, ReadOnlySpan<PointF> targetLandmarks, Span<byte> destination, int destinationStride)
    {
        var width = source.Width;
        var height = source.Height;
        var rowBytes = width * 3;
        ArgumentOutOfRangeException.ThrowIfLessThan(destinationStride, rowBytes);
        CheckLength(destination.Length, ((height - 1) * destinationStride) + rowBytes, nameof(destination));
        CheckLength(targetLandmarks.Length, LandmarkCount, nameof(targetLandmarks));
        for (var i = 0; i < LandmarkCount; i++)
        {
            if (!float.IsFinite(targetLandmarks[i].X) || !float.IsFinite(targetLandmarks[i].Y))
            {
                throw new ArgumentException($"Target landmark {i} is not finite.", nameof(targetLandmarks));
            }
        }

        for (var y = 0; y < height; y++)
        {
            source.GetRow(y).CopyTo(destination.Slice(y * destinationStride, rowBytes));
        }

        Span<PointF> from = stackalloc PointF[ControlPointCount];
        Span<PointF> to = stackalloc PointF[ControlPointCount];
        GetControlPoints(sourceLandmarks, from);
        from.CopyTo(to);
        targetLandmarks[..LandmarkCount].CopyTo(to);
        Span<bool> moves = stackalloc bool[ControlPointCount];
        var anyMoves = false;
        for (var i = 0; i < ControlPointCount; i++)
        {
            moves[i] = MathF.Abs(from[i].X - to[i].X) > MoveEpsilon || MathF.Abs(from[i].Y - to[i].Y) > MoveEpsilon;
            anyMoves |= moves[i];
        }

        if (!anyMoves)
        {
            return;
        }

        var sourcePoints = new Point2f[3];
        var targetPoints = new Point2f[3];
        fixed (byte* sourcePixels = source.Data)
        {
            using var sourceMat = Mat.FromPixelData(height, width, MatType.CV_8UC3, (IntPtr)sourcePixels, source.Stride);
            using var patch = new Mat();
            foreach (var t in LazyTriangles.Value)
            {
                if (!moves[t.A] && !moves[t.B] && !moves[t.C])
                {
                    continue;
                }

                PointF a = to[t.A], b = to[t.B], c = to[t.C];
                var area = DoubleArea(a, b, c);
                if (Math.Abs(area) <= MinDoubleArea)
                {
                    continue;
                }

                var x0 = Math.Max(0, (int)MathF.Floor(MathF.Min(a.X, MathF.Min(b.X, c.X))));
                var y0 = Math.Max(0, (int)MathF.Floor(MathF.Min(a.Y, MathF.Min(b.Y, c.Y))));
                var x1 = Math.Min(width - 1, (int)MathF.Ceiling(MathF.Max(a.X, MathF.Max(b.X, c.X))));
                var y1 = Math.Min(height - 1, (int)MathF.Ceiling(MathF.Max(a.Y, MathF.Max(b.Y, c.Y))));
                if (x1 < x0 || y1 < y0)
                {
                    continue;
                }

                // The map from target pixels back to source pixels, shifted so that the patch's (0, 0) is (x0, y0).
                targetPoints[0] = new(a.X - x0, a.Y - y0);
                targetPoints[1] = new(b.X - x0, b.Y - y0);
                targetPoints[2] = new(c.X - x0, c.Y - y0);
                sourcePoints[0] = new(from[t.A].X, from[t.A].Y);
                sourcePoints[1] = new(from[t.B].X, from[t.B].Y);
                sourcePoints[2] = new(from[t.C].X, from[t.C].Y);
                using (var map = Cv2.GetAffineTransform(targetPoints, sourcePoints))
                {
                    Cv2.WarpAffine(
                        sourceMat,
                        patch,
                        map,
                        new Size(x1 - x0 + 1, y1 - y0 + 1),
                        InterpolationFlags.Linear | InterpolationFlags.WarpInverseMap,
                        BorderTypes.Replicate);
                }

                CopyInside(patch, a, b, c, area, x0, y0, x1, y1, destination, destinationStride);
            }
        }
    }

    /// <summary>Copies the patch pixels whose centres lie inside the target triangle (within <see cref="EdgeTolerance"/>).</summary>
    private static unsafe void CopyInside(Mat patch, PointF a, PointF b, PointF c, double area, int x0, int y0, int x1, int y1, Span<byte> destination, int stride)
    {
        // Edge functions scaled to signed distances, positive inside whatever the triangle's orientation.
        var sign = area > 0 ? 1.0 : -1.0;
        Span<double> ex = [b.X - a.X, c.X - b.X, a.X - c.X];
        Span<double> ey = [b.Y - a.Y, c.Y - b.Y, a.Y - c.Y];
        Span<double> ox = [a.X, b.X, c.X];
        Span<double> oy = [a.Y, b.Y, c.Y];
        Span<double> inverseLength = stackalloc double[3];
        for (var e = 0; e < 3; e++)
        {
            var length = Math.Sqrt((ex[e] * ex[e]) + (ey[e] * ey[e]));
            inverseLength[e] = length > 0 ? sign / length : 0;
        }

        var patchStride = (int)patch.Step();
        var patchPixels = (byte*)patch.Data;
        for (var y = y0; y <= y1; y++)
        {
            var row = destination.Slice(y * stride);
            var patchRow = new ReadOnlySpan<byte>(patchPixels + ((y - y0) * patchStride), (x1 - x0 + 1) * 3);
            for (var x = x0; x <= x1; x++)
            {
                var inside = true;
                for (var e = 0; e < 3 && inside; e++)
                {
                    var distance = ((ex[e] * (y - oy[e])) - (ey[e] * (x - ox[e]))) * inverseLength[e];
                    inside = distance >= -EdgeTolerance;
                }

                if (inside)
                {
                    var at = (x - x0) * 3;
                    row[x * 3] = patchRow[at];
                    row[(x * 3) + 1] = patchRow[at + 1];
                    row[(x * 3) + 2] = patchRow[at + 2];
                }
            }
        }
    }

    /// <summary>Twice the signed area, positive for counter-clockwise on screen (x right, y down).</summary>
    private static double DoubleArea(PointF a, PointF b, PointF c) =>
        (((double)b.X - a.X) * ((double)c.Y - a.Y)) - (((double)b.Y - a.Y) * ((double)c.X - a.X));

    private static WarpTriangle[] BuildTriangles()
    {
        // Triangulate the mean shape at 1000x so that OpenCV's integer bounding rectangle is fine enough.
        const float Scale = 1000f;
        Span<PointF> mean = stackalloc PointF[LandmarkCount];
        for (var i = 0; i < LandmarkCount; i++)
        {
            mean[i] = new(MeanShape[2 * i] * Scale, MeanShape[(2 * i) + 1] * Scale);
        }

        Span<PointF> points = stackalloc PointF[ControlPointCount];
        GetControlPoints(mean, points);
        var box = MarginBox(mean);
        using var subdiv = new Subdiv2D(new Rect((int)MathF.Floor(box.X) - 2, (int)MathF.Floor(box.Y) - 2, (int)MathF.Ceiling(box.Width) + 5, (int)MathF.Ceiling(box.Height) + 5));
        for (var i = 0; i < ControlPointCount; i++)
        {
            subdiv.Insert(new Point2f(points[i].X, points[i].Y));
        }

        var triangles = new List<WarpTriangle>();
        foreach (var v in subdiv.GetTriangleList())
        {
            var a = Nearest(points, v.Item0, v.Item1);
            var b = Nearest(points, v.Item2, v.Item3);
            var c = Nearest(points, v.Item4, v.Item5);
            if (a < 0 || b < 0 || c < 0 || a == b || b == c || a == c)
            {
                continue;
            }

            // Store counter-clockwise on screen, so a fold shows as a sign change.
            triangles.Add(DoubleArea(points[a], points[b], points[c]) > 0 ? new(a, b, c) : new(a, c, b));
        }

        return [.. triangles];
    }

    private static int Nearest(ReadOnlySpan<PointF> points, float x, float y)
    {
        for (var i = 0; i < points.Length; i++)
        {
            if (MathF.Abs(points[i].X - x) < 0.5f && MathF.Abs(points[i].Y - y) < 0.5f)
            {
                return i;
            }
        }

        return -1;
    }

    private static void CheckLength(int length, int required, string paramName)
    {
        if (length < required)
        {
            throw new ArgumentException($"The span must hold at least {required} elements, it has {length}.", paramName);
        }
    }
}
