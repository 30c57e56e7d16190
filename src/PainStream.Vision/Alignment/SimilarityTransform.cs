// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Detection;

namespace PainStream.Vision.Alignment;

/// <summary>
/// A 2-D similarity transform (rotation, uniform scale, translation) as the 2×3 matrix
/// <c>[A −B Tx; B A Ty]</c>: x' = A·x − B·y + Tx, y' = B·x + A·y + Ty.
/// </summary>
/// <remarks>
/// This is the matrix layout <c>cv::warpAffine</c> takes (source to destination). In image coordinates (y down) a
/// positive <see cref="RotationDegrees"/> turns clockwise as seen on screen.
/// </remarks>
/// <param name="A">Scale times the cosine of the rotation.</param>
/// <param name="B">Scale times the sine of the rotation.</param>
/// <param name="Tx">Horizontal translation.</param>
/// <param name="Ty">Vertical translation.</param>
public readonly record struct SimilarityTransform(double A, double B, double Tx, double Ty)
{
    /// <summary>The identity transform.</summary>
    public static readonly SimilarityTransform Identity = new(1, 0, 0, 0);

    /// <summary>Gets the matrix element at row 0, column 0 (= <see cref="A"/>).</summary>
    public double M00 => A;

    /// <summary>Gets the matrix element at row 0, column 1 (= −<see cref="B"/>).</summary>
    public double M01 => -B;

    /// <summary>Gets the matrix element at row 0, column 2 (= <see cref="Tx"/>).</summary>
    public double M02 => Tx;

    /// <summary>Gets the matrix element at row 1, column 0 (= <see cref="B"/>).</summary>
    public double M10 => B;

    /// <summary>Gets the matrix element at row 1, column 1 (= <see cref="A"/>).</summary>
    public double M11 => A;

    /// <summary>Gets the matrix element at row 1, column 2 (= <see cref="Ty"/>).</summary>
    public double M12 => Ty;

    /// <summary>Gets the uniform scale factor.</summary>
    public double Scale => Math.Sqrt((A * A) + (B * B));

    /// <summary>Gets the rotation in degrees, in (−180, 180]; positive is clockwise on screen (y points down).</summary>
    public double RotationDegrees => Math.Atan2(B, A) * (180 / Math.PI);

    /// <summary>Fits the least-squares similarity that maps <paramref name="from"/> onto <paramref name="to"/>.</summary>
    /// <param name="from">Source points.</param>
    /// <param name="to">Target points, as many as <paramref name="from"/>.</param>
    /// <returns>The transform minimising Σ|T(from) − to|² (Umeyama 1991; in 2-D the SVD solution has a closed form).</returns>
    /// <exception cref="ArgumentException">The spans differ in length, hold fewer than two points, or the source points coincide.</exception>
    public static SimilarityTransform Fit(ReadOnlySpan<PointF> from, ReadOnlySpan<PointF> to)
    {
        if (from.Length != to.Length || from.Length < 2)
        {
            ThrowBadPoints(nameof(to));
        }

        var n = from.Length;
        double mfx = 0, mfy = 0, mtx = 0, mty = 0;
        for (var i = 0; i < n; i++)
        {
            mfx += from[i].X;
            mfy += from[i].Y;
            mtx += to[i].X;
            mty += to[i].Y;
        }

        mfx /= n;
        mfy /= n;
        mtx /= n;
        mty /= n;

        // With centred points f and t: a = Σ(f·t)/Σ|f|², b = Σ(f×t)/Σ|f|² minimise Σ|[a −b; b a]f − t|².
        double sigma = 0, dot = 0, cross = 0;
        for (var i = 0; i < n; i++)
        {
            var fx = from[i].X - mfx;
            var fy = from[i].Y - mfy;
            var tx = to[i].X - mtx;
            var ty = to[i].Y - mty;
            sigma += (fx * fx) + (fy * fy);
            dot += (fx * tx) + (fy * ty);
            cross += (fx * ty) - (fy * tx);
        }

        if (!(sigma > 1e-12) || !double.IsFinite(sigma) || !double.IsFinite(dot) || !double.IsFinite(cross))
        {
            ThrowBadPoints(nameof(from));
        }

        var a = dot / sigma;
        var b = cross / sigma;
        return new SimilarityTransform(a, b, mtx - ((a * mfx) - (b * mfy)), mty - ((b * mfx) + (a * mfy)));
    }

    /// <summary>Returns the transform mapping <paramref name="from1"/> to <paramref name="to1"/> and <paramref name="from2"/> to <paramref name="to2"/> exactly.</summary>
    /// <param name="from1">First source point.</param>
    /// <param name="from2">Second source point (distinct from the first).</param>
    /// <param name="to1">Where the first point goes.</param>
    /// <param name="to2">Where the second point goes.</param>
    /// <returns>The transform.</returns>
    public static SimilarityTransform FromTwoPoints(PointF from1, PointF from2, PointF to1, PointF to2) =>
        Fit([from1, from2], [to1, to2]);

    /// <summary>Applies the transform to a point.</summary>
    /// <param name="point">The point.</param>
    /// <returns>The transformed point.</returns>
    public PointF Apply(PointF point) =>
        new((float)((A * point.X) - (B * point.Y) + Tx), (float)((B * point.X) + (A * point.Y) + Ty));

    /// <summary>Returns the inverse transform.</summary>
    /// <returns>The transform that undoes this one.</returns>
    /// <exception cref="InvalidOperationException">The scale is zero.</exception>
    public SimilarityTransform Inverse()
    {
        var d = (A * A) + (B * B);
        if (!(d > 0))
        {
            throw new InvalidOperationException("A similarity with zero scale has no inverse.");
        }

        var a = A / d;
        var b = -B / d;
        return new SimilarityTransform(a, b, -((a * Tx) - (b * Ty)), -((b * Tx) + (a * Ty)));
    }

    /// <summary>Returns the transform that applies this one, then <paramref name="next"/>.</summary>
    /// <param name="next">The transform applied second.</param>
    /// <returns>The composition <c>next ∘ this</c>.</returns>
    public SimilarityTransform Then(SimilarityTransform next) =>
        new(
            (next.A * A) - (next.B * B),
            (next.B * A) + (next.A * B),
            (next.A * Tx) - (next.B * Ty) + next.Tx,
            (next.B * Tx) + (next.A * Ty) + next.Ty);

    private static void ThrowBadPoints(string paramName) =>
        throw new ArgumentException("A similarity needs two equally long point lists of at least two points that do not all coincide.", paramName);
}
