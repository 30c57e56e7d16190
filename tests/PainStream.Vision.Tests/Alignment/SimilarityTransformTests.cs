// Copyright (c) PainStream contributors. Licensed under the MIT License.

using OpenCvSharp;
using PainStream.Core.Detection;
using PainStream.Vision.Alignment;

namespace PainStream.Vision.Tests.Alignment;

public sealed class SimilarityTransformTests
{
    [Theory]
    [InlineData(20.0, 1.7, 12.5, -40.0)]
    [InlineData(-135.0, 0.25, 300.0, 7.0)]
    [InlineData(0.0, 1.0, 0.0, 0.0)]
    public void Fit_PointsMovedByAKnownSimilarity_RecoversIt(double degrees, double scale, double tx, double ty)
    {
        var radians = degrees * Math.PI / 180;
        var expected = new SimilarityTransform(scale * Math.Cos(radians), scale * Math.Sin(radians), tx, ty);
        var from = RandomPoints(30, seed: 1);
        var to = from.Select(expected.Apply).ToArray();

        var fitted = SimilarityTransform.Fit(from, to);

        Assert.Equal(expected.A, fitted.A, 1e-5);
        Assert.Equal(expected.B, fitted.B, 1e-5);
        Assert.Equal(expected.Tx, fitted.Tx, 1e-3);
        Assert.Equal(expected.Ty, fitted.Ty, 1e-3);
        Assert.Equal(degrees, fitted.RotationDegrees, 1e-4);
        Assert.Equal(scale, fitted.Scale, 1e-5);
    }

    [Fact]
    public void Fit_NoisyPoints_AgreesWithOpenCvsRefinedEstimateAffinePartial2D()
    {
        // estimateAffinePartial2D with a RANSAC threshold no point exceeds keeps every point as an inlier and then
        // refines the 4-parameter model by Levenberg–Marquardt on all of them: the same least-squares problem.
        var from = RandomPoints(40, seed: 2);
        var rng = new Random(3);
        var truth = new SimilarityTransform(0.8, -0.35, 25, 60);
        var to = from.Select(p => truth.Apply(p)).Select(p => new PointF(p.X + (float)(rng.NextDouble() - 0.5) * 4, p.Y + (float)(rng.NextDouble() - 0.5) * 4)).ToArray();

        var fitted = SimilarityTransform.Fit(from, to);

        using var src = Mat.FromArray(from.Select(p => new Point2f(p.X, p.Y)).ToArray());
        using var dst = Mat.FromArray(to.Select(p => new Point2f(p.X, p.Y)).ToArray());
        using var inliers = new Mat();
        using var cv = Cv2.EstimateAffinePartial2D(src, dst, inliers, RobustEstimationAlgorithms.RANSAC, 1e6, 2000, 0.99, 100);
        Assert.NotNull(cv);
        Assert.Equal(from.Length, Cv2.CountNonZero(inliers));
        Assert.Equal(cv.At<double>(0, 0), fitted.M00, 1e-4);
        Assert.Equal(cv.At<double>(0, 1), fitted.M01, 1e-4);
        Assert.Equal(cv.At<double>(0, 2), fitted.M02, 1e-2);
        Assert.Equal(cv.At<double>(1, 0), fitted.M10, 1e-4);
        Assert.Equal(cv.At<double>(1, 1), fitted.M11, 1e-4);
        Assert.Equal(cv.At<double>(1, 2), fitted.M12, 1e-2);
    }

    [Fact]
    public void Inverse_ComposedWithTheTransform_IsTheIdentity()
    {
        var t = new SimilarityTransform(1.2, 0.7, -30, 14);
        var round = t.Then(t.Inverse());
        var p = new PointF(123.5f, -17.25f);

        var back = round.Apply(p);

        Assert.Equal(p.X, back.X, 1e-3f);
        Assert.Equal(p.Y, back.Y, 1e-3f);
        Assert.Equal(1, round.A, 1e-9);
        Assert.Equal(0, round.B, 1e-9);
    }

    [Fact]
    public void Then_AppliesThisTransformFirst()
    {
        var first = new SimilarityTransform(2, 0, 10, 0);
        var second = new SimilarityTransform(0, 1, 0, 0); // 90° clockwise on screen: (x, y) → (−y, x)

        var p = first.Then(second).Apply(new PointF(1, 3));

        // first: (12, 6); second: (−6, 12).
        Assert.Equal(-6, p.X, 1e-5f);
        Assert.Equal(12, p.Y, 1e-5f);
    }

    [Fact]
    public void Fit_CoincidentSourcePoints_Throws()
    {
        PointF[] from = [new(5, 5), new(5, 5), new(5, 5)];
        PointF[] to = [new(0, 0), new(1, 0), new(0, 1)];

        Assert.Throws<ArgumentException>(() => SimilarityTransform.Fit(from, to));
    }

    [Fact]
    public void Fit_DifferentLengths_Throws()
    {
        PointF[] from = [new(0, 0), new(1, 0), new(0, 1)];
        PointF[] to = [new(0, 0), new(1, 0)];

        Assert.Throws<ArgumentException>(() => SimilarityTransform.Fit(from, to));
    }

    private static PointF[] RandomPoints(int count, int seed)
    {
        var rng = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ => new PointF((float)(rng.NextDouble() * 200), (float)(rng.NextDouble() * 150)))];
    }
}
