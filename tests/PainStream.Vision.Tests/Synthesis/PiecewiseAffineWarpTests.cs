// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Detection;
using PainStream.Tools.Synthesis;

namespace PainStream.Vision.Tests.Synthesis;

public sealed class PiecewiseAffineWarpTests
{
    [Fact]
    public void Triangles_MeanShapeMesh_TilesTheMarginBoxOfARealFace()
    {
        var face = GrimaceFaces.Get("astronaut");
        var points = new PointF[PiecewiseAffineWarp.ControlPointCount];
        PiecewiseAffineWarp.GetControlPoints(face.Landmarks, points);
        var box = PiecewiseAffineWarp.MarginBox(face.Landmarks);

        // Delaunay of 76 points whose hull is the 8 anchors: 2n − 2 − h triangles.
        Assert.Equal((2 * 76) - 2 - 8, PiecewiseAffineWarp.Triangles.Count);
        double area = 0;
        foreach (var t in PiecewiseAffineWarp.Triangles)
        {
            var doubled = DoubleArea(points[t.A], points[t.B], points[t.C]);
            Assert.True(doubled > 0, $"triangle {t} is not counter-clockwise on the astronaut's landmarks");
            area += doubled / 2;
        }

        // The triangles neither overlap nor leave holes: their areas add up to the box's.
        Assert.Equal(box.Width * box.Height, area, box.Width * box.Height * 1e-4);
    }

    [Fact]
    public void Warp_TargetEqualToSource_ReturnsTheImageByteForByte()
    {
        var face = GrimaceFaces.Get("astronaut");
        var output = TestImage.Uniform(face.Image.Width, face.Image.Height, 7);

        PiecewiseAffineWarp.Warp(face.Image.View, face.Landmarks, face.Landmarks, output.Data, output.Stride);

        Assert.Equal(face.Image.Data, output.Data);
    }

    [Fact]
    public void Warp_LandmarksShifted_MovesTheFacePixelsWithThemAndNothingOutsideTheMarginBox()
    {
        var face = GrimaceFaces.Get("astronaut");
        var target = face.Landmarks.Select(p => new PointF(p.X + 3, p.Y + 2)).ToArray();
        var output = TestImage.Uniform(face.Image.Width, face.Image.Height, 0);

        PiecewiseAffineWarp.Warp(face.Image.View, face.Landmarks, target, output.Data, output.Stride);

        // Inside the landmarks' own triangles the map is the pure shift: output(x, y) = input(x − 3, y − 2).
        var (nose, chin) = (face.Landmarks[30], face.Landmarks[8]);
        for (var y = (int)nose.Y; y < (int)chin.Y - 10; y++)
        {
            for (var x = (int)nose.X - 10; x < (int)nose.X + 10; x++)
            {
                for (var c = 0; c < 3; c++)
                {
                    var moved = output.Data[(y * output.Stride) + (x * 3) + c];
                    var original = face.Image.Data[((y - 2) * face.Image.Stride) + ((x - 3) * 3) + c];
                    Assert.True(Math.Abs(moved - original) <= 1, $"pixel ({x}, {y}) channel {c}: {moved} is not the shifted {original}");
                }
            }
        }

        AssertUnchangedOutside(face.Image, output, PiecewiseAffineWarp.MarginBox(face.Landmarks));
        Assert.Equal(0, PiecewiseAffineWarp.CountFoldedTriangles(face.Landmarks, target));
    }

    [Fact]
    public void CountFoldedTriangles_LandmarkPushedThroughItsNeighbours_CountsTheFolds()
    {
        var face = GrimaceFaces.Get("astronaut");
        var target = (PointF[])face.Landmarks.Clone();

        // The nose tip dragged below the chin turns its triangles inside out.
        target[30] = new PointF(target[8].X, target[8].Y + 20);

        Assert.True(PiecewiseAffineWarp.CountFoldedTriangles(face.Landmarks, target) > 0);
    }

    [Fact]
    public void Warp_TooFewLandmarks_Throws()
    {
        var face = GrimaceFaces.Get("astronaut");
        var output = new byte[face.Image.Data.Length];

        Assert.Throws<ArgumentException>(() => PiecewiseAffineWarp.Warp(face.Image.View, face.Landmarks.AsSpan(0, 67), face.Landmarks, output, face.Image.Stride));
        Assert.Throws<ArgumentException>(() => PiecewiseAffineWarp.Warp(face.Image.View, face.Landmarks, face.Landmarks.AsSpan(0, 10), output, face.Image.Stride));
        Assert.Throws<ArgumentException>(() => PiecewiseAffineWarp.Warp(face.Image.View, face.Landmarks, face.Landmarks, output.AsSpan(0, 100), face.Image.Stride));
    }

    /// <summary>Asserts that every pixel outside <paramref name="box"/> (grown by one pixel for rounding) is unchanged.</summary>
    internal static void AssertUnchangedOutside(TestImage before, TestImage after, BoxF box)
    {
        int left = (int)MathF.Floor(box.X) - 1, top = (int)MathF.Floor(box.Y) - 1;
        int right = (int)MathF.Ceiling(box.Right) + 1, bottom = (int)MathF.Ceiling(box.Bottom) + 1;
        var checkedPixels = 0;
        for (var y = 0; y < before.Height; y++)
        {
            for (var x = 0; x < before.Width; x++)
            {
                if (x >= left && x <= right && y >= top && y <= bottom)
                {
                    continue;
                }

                var at = (y * before.Stride) + (x * 3);
                Assert.True(
                    before.Data.AsSpan(at, 3).SequenceEqual(after.Data.AsSpan((y * after.Stride) + (x * 3), 3)),
                    $"pixel ({x}, {y}) outside the margin box {box} changed");
                checkedPixels++;
            }
        }

        Assert.True(checkedPixels > 0, "the margin box covers the whole image; nothing was checked");
    }

    private static double DoubleArea(PointF a, PointF b, PointF c) =>
        (((double)b.X - a.X) * ((double)c.Y - a.Y)) - (((double)b.Y - a.Y) * ((double)c.X - a.X));
}
