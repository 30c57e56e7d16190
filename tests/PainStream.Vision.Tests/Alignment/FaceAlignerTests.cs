// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Globalization;
using OpenCvSharp;
using PainStream.Core.Detection;
using PainStream.Vision.Alignment;
using PainStream.Vision.Tests.Detection;

namespace PainStream.Vision.Tests.Alignment;

public sealed class FaceAlignerTests(DetectorFixture detectors) : IClassFixture<DetectorFixture>
{
    [Fact]
    public void Align_EveryFixtureFace_PutsTheEyeCentresAtTheTemplatePositionsWithin1Px()
    {
        var aligner = new FaceAligner(AlignmentFaces.Template112);
        var output = TestContext.Current.TestOutputHelper;
        var megamind = 0;
        double worst = 0;

        foreach (var face in AlignmentFaces.All.Values)
        {
            var aligned = aligner.Align(face.Image.View, face.Landmarks);
            var right = Face68.Distance(aligned.RightEye, aligner.Template.RightEye);
            var left = Face68.Distance(aligned.LeftEye, aligner.Template.LeftEye);
            output?.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{face.Name}: right eye {right:F2} px, left eye {left:F2} px, scale {aligned.Transform.Scale:F3}, rotation {aligned.Transform.RotationDegrees:F1}°"));
            Assert.True(right <= 1 && left <= 1, $"{face.Name}: eye centres land {right:F2} / {left:F2} px from the template's.");
            worst = Math.Max(worst, Math.Max(right, left));
            megamind += face.Name.StartsWith("Megamind", StringComparison.Ordinal) ? 1 : 0;
        }

        Assert.Contains(AlignmentFaces.AstronautHand, AlignmentFaces.All.Keys);
        Assert.Contains(AlignmentFaces.MessiBlaze, AlignmentFaces.All.Keys);
        Assert.True(megamind >= 4, $"Only {megamind} Megamind faces were found.");
        output?.WriteLine(string.Create(CultureInfo.InvariantCulture, $"worst {worst:F2} px over {AlignmentFaces.All.Count} faces"));
    }

    [Theory]
    [InlineData(AlignmentFaces.AstronautHand)]
    [InlineData(AlignmentFaces.MessiBlaze)]
    [InlineData(AlignmentFaces.Megamind200)]
    public void Align_DiscsPaintedOnTheEyeCentres_AppearAtTheTemplateEyesInTheCrop(string name)
    {
        // Checks the pixels, not just the matrix: paint a disc on each eye centre once white and once black, warp both
        // copies with the same landmarks, and locate the discs in the crop as the centroid of the white−black difference
        // (255 × disc coverage whatever lies under it; bilinear warping is linear, so the centroid survives it).
        var face = AlignmentFaces.Get(name);
        var aligner = new FaceAligner(AlignmentFaces.Template112);
        var radius = 0.08 * Face68.OuterCornerDistance(face.Landmarks);
        var white = PaintEyes(face, radius, Scalar.White);
        var black = PaintEyes(face, radius, Scalar.Black);

        var whiteCrop = aligner.Align(white.View, face.Landmarks).Image.Data.ToArray();
        var blackCrop = aligner.Align(black.View, face.Landmarks).Image.Data.ToArray();

        var size = aligner.Size;
        double rw = 0, rx = 0, ry = 0, lw = 0, lx = 0, ly = 0;
        for (var y = 0; y < size; y++)
        {
            for (var x = 0; x < size; x++)
            {
                var at = ((y * size) + x) * 3;
                double w = (whiteCrop[at] - blackCrop[at]) + (whiteCrop[at + 1] - blackCrop[at + 1]) + (whiteCrop[at + 2] - blackCrop[at + 2]);
                if (x < size / 2)
                {
                    (rw, rx, ry) = (rw + w, rx + (w * x), ry + (w * y));
                }
                else
                {
                    (lw, lx, ly) = (lw + w, lx + (w * x), ly + (w * y));
                }
            }
        }

        Assert.True(rw > 0 && lw > 0, "The painted discs did not reach the crop.");
        var right = new PointF((float)(rx / rw), (float)(ry / rw));
        var left = new PointF((float)(lx / lw), (float)(ly / lw));
        TestContext.Current.TestOutputHelper?.WriteLine($"{name}: discs at {right} and {left}; template eyes {aligner.Template.RightEye} and {aligner.Template.LeftEye}");
        GroundTruth.AssertPointNear(aligner.Template.RightEye, right, 1);
        GroundTruth.AssertPointNear(aligner.Template.LeftEye, left, 1);
    }

    [Theory]
    [InlineData(AlignmentFaces.AstronautHand, 20)]
    [InlineData(AlignmentFaces.AstronautHand, -20)]
    [InlineData(AlignmentFaces.Megamind200, 20)]
    public void Align_FaceRotatedInPlane_AlignsToTheSameTemplate(string name, double degrees)
    {
        var face = AlignmentFaces.Get(name);
        var rotated = AlignmentFaces.Rotate(face.Image, face.Box.Center, degrees);

        // The whole pipeline on the rotated image: detect, landmarks, align.
        var detected = detectors.Back.Detect(rotated.View).OrderByDescending(f => f.Box.IntersectionOverUnion(face.Box)).First();
        Assert.True(detected.Box.IntersectionOverUnion(face.Box) > 0.4, $"BlazeFace did not find the rotated face near {face.Box}.");
        var landmarks = AlignmentFaces.Predict(rotated, detected.Box);
        var aligner = new FaceAligner(AlignmentFaces.Template112);

        var upright = aligner.Align(face.Image.View, face.Landmarks);
        var uprightRotation = upright.Transform.RotationDegrees;
        var uprightCrop = upright.Image.Data.ToArray();
        var aligned = aligner.Align(rotated.View, landmarks);

        TestContext.Current.TestOutputHelper?.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{name} rotated {degrees}°: eyes {Face68.Distance(aligned.RightEye, aligner.Template.RightEye):F2} / {Face68.Distance(aligned.LeftEye, aligner.Template.LeftEye):F2} px from the template, rotation {aligned.Transform.RotationDegrees - uprightRotation:F2}° relative to upright"));
        GroundTruth.AssertPointNear(aligner.Template.RightEye, aligned.RightEye, 1);
        GroundTruth.AssertPointNear(aligner.Template.LeftEye, aligned.LeftEye, 1);

        // The aligner undoes the rotation: its own rotation is 20° further counter-clockwise.
        Assert.InRange(aligned.Transform.RotationDegrees - uprightRotation, -degrees - 2, -degrees + 2);

        // And the two crops show the same face: their inner faces differ far less than the upright crop differs from
        // itself shifted by 2 pixels (a small misalignment).
        var region = FaceQualityGate.MeasurementRegion(aligner.Size);
        var rotatedVsUpright = MeanAbsoluteDifference(aligned.Image.Data, uprightCrop, aligner.Size, region, 0);
        var shiftedVsUpright = MeanAbsoluteDifference(uprightCrop, uprightCrop, aligner.Size, region, 2);
        TestContext.Current.TestOutputHelper?.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name} rotated {degrees}°: mean |Δ| {rotatedVsUpright:F2} vs {shiftedVsUpright:F2} for a 2-px shift"));
        Assert.True(rotatedVsUpright < shiftedVsUpright, $"The crop of the rotated face differs from the upright one by {rotatedVsUpright:F2} grey levels, a 2-px shift by {shiftedVsUpright:F2}.");
    }

    [Fact]
    public void Align_Pixels_AreExactlyWhatCv2WarpAffineProduces()
    {
        var face = AlignmentFaces.Get(AlignmentFaces.AstronautBlaze);
        var aligner = new FaceAligner(AlignmentFaces.Template112);
        var aligned = aligner.Align(face.Image.View, face.Landmarks);
        var t = aligned.Transform;

        using var source = face.Image.AsMat();
        using var matrix = new Mat(2, 3, MatType.CV_64FC1);
        matrix.Set(0, 0, t.M00);
        matrix.Set(0, 1, t.M01);
        matrix.Set(0, 2, t.M02);
        matrix.Set(1, 0, t.M10);
        matrix.Set(1, 1, t.M11);
        matrix.Set(1, 2, t.M12);
        using var expected = new Mat();
        Cv2.WarpAffine(source, expected, matrix, new Size(112, 112), InterpolationFlags.Linear, BorderTypes.Replicate);

        Assert.Equal(TestImage.FromMat(expected).Data, aligned.Image.Data.ToArray());
    }

    [Fact]
    public void Align_SourceWithPaddedRows_GivesTheSameCrop()
    {
        var face = AlignmentFaces.Get(AlignmentFaces.AstronautHand);
        var aligner = new FaceAligner(AlignmentFaces.Template112);
        var packed = aligner.Align(face.Image.View, face.Landmarks).Image.Data.ToArray();

        var padded = aligner.Align(face.Image.WithStridePadding(13).View, face.Landmarks).Image.Data.ToArray();

        Assert.Equal(packed, padded);
    }

    [Fact]
    public void Align_RegionOfInterestView_GivesTheSameCropAsTheWholeFrame()
    {
        var face = AlignmentFaces.Get(AlignmentFaces.AstronautHand);
        var aligner = new FaceAligner(AlignmentFaces.Template112);
        var whole = aligner.Align(face.Image.View, face.Landmarks).Image.Data.ToArray();
        var roi = new PixelRect(100, 30, 300, 260);
        var shifted = face.Landmarks.Select(p => new PointF(p.X - roi.X, p.Y - roi.Y)).ToArray();

        var cropped = aligner.Align(face.Image.View.Crop(roi), shifted).Image.Data.ToArray();

        // The same pixels up to float rounding of the shifted translation (at most one grey level here and there).
        var differing = whole.Zip(cropped).Count(p => Math.Abs(p.First - p.Second) > 1);
        Assert.Equal(0, differing);
    }

    [Fact]
    public void Align_FaceCutByTheFrameEdge_RepeatsTheEdgePixelsInsteadOfBlack()
    {
        // A region of interest whose left edge runs through the face, so the crop reaches past the image.
        var face = AlignmentFaces.Get(AlignmentFaces.AstronautHand);
        var roi = new PixelRect(215, 20, 297, 300);
        var view = face.Image.View.Crop(roi);
        var shifted = face.Landmarks.Select(p => new PointF(p.X - roi.X, p.Y - roi.Y)).ToArray();
        var aligner = new FaceAligner(AlignmentFaces.Template112);

        var aligned = aligner.Align(view, shifted);

        var inverse = aligned.Transform.Inverse();
        var checkedPixels = 0;
        for (var v = 0; v < aligner.Size; v++)
        {
            for (var u = 0; u < aligner.Size; u++)
            {
                var p = inverse.Apply(new PointF(u, v));
                if (p.X >= -1 || p.Y < 0 || p.Y >= view.Height - 1)
                {
                    continue;
                }

                // Left of the image: border replicate samples column 0, interpolating only vertically.
                var y0 = (int)MathF.Floor(p.Y);
                var fy = p.Y - y0;
                for (var c = 0; c < 3; c++)
                {
                    var expected = ((1 - fy) * view.GetRow(y0)[c]) + (fy * view.GetRow(y0 + 1)[c]);
                    var actual = aligned.Image.GetRow(v)[(3 * u) + c];

                    // OpenCV quantises sample positions to 1/32 pixel, so allow for the vertical gradient.
                    var tolerance = 1 + (Math.Abs(view.GetRow(y0 + 1)[c] - view.GetRow(y0)[c]) / 16.0);
                    Assert.True(Math.Abs(actual - expected) <= tolerance, $"Crop pixel ({u}, {v}) channel {c} is {actual}, the replicated edge is {expected:F1}.");
                }

                checkedPixels++;
            }
        }

        Assert.True(checkedPixels > 500, $"Only {checkedPixels} crop pixels fell left of the image; the test set-up is wrong.");
    }

    [Fact]
    public void Align_AfterWarmUp_DoesNotAllocate()
    {
        var faces = AlignmentFaces.All.Values.Take(3).ToArray();
        var aligner = new FaceAligner(AlignmentFaces.Template112);
        foreach (var face in faces)
        {
            aligner.Align(face.Image.View, face.Landmarks);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10; i++)
        {
            foreach (var face in faces)
            {
                aligner.Align(face.Image.View, face.Landmarks);
            }
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Align_FewerThan68Landmarks_Throws()
    {
        var face = AlignmentFaces.Get(AlignmentFaces.AstronautHand);
        var aligner = new FaceAligner(AlignmentFaces.Template112);

        Assert.Throws<ArgumentException>(() => aligner.Align(face.Image.View, face.Landmarks.AsSpan(0, 67)));
    }

    [Fact]
    public void Align_TwoAlignersOnTwoThreads_DoNotInterfere()
    {
        var faces = AlignmentFaces.All.Values.ToArray();
        var expected = faces.Select(f => new FaceAligner(AlignmentFaces.Template112).Align(f.Image.View, f.Landmarks).Image.Data.ToArray()).ToArray();

        var actual = new byte[faces.Length * 4][];
        Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, worker =>
        {
            var aligner = new FaceAligner(AlignmentFaces.Template112);
            for (var i = 0; i < faces.Length; i++)
            {
                actual[(worker * faces.Length) + i] = aligner.Align(faces[i].Image.View, faces[i].Landmarks).Image.Data.ToArray();
            }
        });

        for (var i = 0; i < actual.Length; i++)
        {
            Assert.Equal(expected[i % faces.Length], actual[i]);
        }
    }

    private static TestImage PaintEyes(FixtureFace face, double radius, Scalar colour)
    {
        const int Shift = 8;
        return AlignmentFaces.Map(face.Image, (s, d) =>
        {
            s.CopyTo(d);
            foreach (var eye in new[] { Face68.RightEyeCentre(face.Landmarks), Face68.LeftEyeCentre(face.Landmarks) })
            {
                var centre = new Point((int)Math.Round(eye.X * (1 << Shift)), (int)Math.Round(eye.Y * (1 << Shift)));
                Cv2.Circle(d, centre, (int)Math.Round(radius * (1 << Shift)), colour, -1, LineTypes.AntiAlias, Shift);
            }
        });
    }

    private static double MeanAbsoluteDifference(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, int size, PixelRect region, int shift)
    {
        double sum = 0;
        var n = 0;
        for (var y = region.Y; y < region.Y + region.Height; y++)
        {
            for (var x = region.X; x < region.X + region.Width; x++)
            {
                for (var c = 0; c < 3; c++)
                {
                    sum += Math.Abs(a[(((y * size) + x) * 3) + c] - b[(((y * size) + x + shift) * 3) + c]);
                    n++;
                }
            }
        }

        return sum / n;
    }
}
