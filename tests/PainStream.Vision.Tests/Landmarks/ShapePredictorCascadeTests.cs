// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Globalization;
using PainStream.Core.Detection;
using PainStream.Vision.Landmarks;

namespace PainStream.Vision.Tests.Landmarks;

/// <summary>
/// Issue 14's cheaper predictions on the real fixture faces: 16-bit leaves against dlib's floats, the first cascades only
/// (followed faces), and the warm start from earlier landmarks. Distances are in pixels of each fixture image.
/// </summary>
public sealed class ShapePredictorCascadeTests
{
    private static IEnumerable<(string Name, TestImage Image, BoxF Box)> Faces =>
        LandmarkFaces.Images.SelectMany(i => i.Boxes.Select(b => (i.Name, i.Image, b)));

    /// <summary>
    /// The 16-bit leaves are not dlib's sums, and the cascade is chaotic at that scale: a feature pixel is the nearest pixel,
    /// so a shape that moves by a hundredth of a pixel flips a few pixels, a few tree decisions, and whole leaves. The honest
    /// tolerance is therefore relative: quantising must move the landmarks no more than moving the float model's box by
    /// 1/100 px does (the detector's own box jitter between frames is far larger).
    /// </summary>
    [Fact]
    public void Predict_QuantizedLeaves_MoveTheLandmarksNoMoreThanAHundredthOfAPixelBoxShift()
    {
        Assert.Equal(ShapePredictorLeaves.Quantized, LandmarkFaces.Model.LeafPrecision);
        Assert.Equal(ShapePredictorLeaves.Exact, LandmarkFaces.ExactModel.LeafPrecision);
        var quantized = new ShapePredictor(LandmarkFaces.Model);
        var exact = new ShapePredictor(LandmarkFaces.ExactModel);
        var q = new PointF[68];
        var e = new PointF[68];
        var shifted = new PointF[68];
        double quantizedMeans = 0, shiftMeans = 0, quantizedWorst = 0, shiftWorst = 0;
        var faces = 0;
        foreach (var (name, image, box) in Faces)
        {
            quantized.Predict(image.View, box, q);
            exact.Predict(image.View, box, e);
            exact.Predict(image.View, box with { X = box.X + 0.01f, Y = box.Y + 0.01f }, shifted);
            var (qm, qx) = Deviation(q, e);
            var (sm, sx) = Deviation(shifted, e);
            TestContext.Current.TestOutputHelper?.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name} {box.Width}px: 16-bit mean {qm:F3} max {qx:F3} px; float with the box 0.01 px off: mean {sm:F3} max {sx:F3} px"));
            quantizedMeans += qm;
            shiftMeans += sm;
            quantizedWorst = Math.Max(quantizedWorst, qx);
            shiftWorst = Math.Max(shiftWorst, sx);
            faces++;
        }

        TestContext.Current.TestOutputHelper?.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{faces} faces: 16-bit mean {quantizedMeans / faces:F3} px, max {quantizedWorst:F3} px; box 0.01 px off: mean {shiftMeans / faces:F3} px, max {shiftWorst:F3} px"));
        Assert.True(faces >= 8, $"only {faces} fixture faces");
        Assert.True(shiftMeans > 0, "moving the box did not change the float model's landmarks: the comparison means nothing");
        Assert.True(
            quantizedMeans <= shiftMeans,
            string.Create(CultureInfo.InvariantCulture, $"16-bit leaves moved the landmarks {quantizedMeans / faces:F3} px on average, more than a 0.01 px box shift ({shiftMeans / faces:F3} px)"));
    }

    [Fact]
    public void Predict_AllCascades_IsThePlainPrediction()
    {
        var predictor = new ShapePredictor(LandmarkFaces.Model);
        var all = new PointF[68];
        var plain = new PointF[68];
        foreach (var (_, image, box) in Faces)
        {
            predictor.Predict(image.View, box, LandmarkFaces.Model.CascadeCount, all);
            predictor.Predict(image.View, box, plain);
            Assert.Equal(plain, all);
        }
    }

    [Fact]
    public void Predict_FirstCascades_ComeCloserToTheFullFitTheMoreAreRun()
    {
        var predictor = new ShapePredictor(LandmarkFaces.Model);
        var full = new PointF[68];
        var part = new PointF[68];
        int[] counts = [1, 5, 10];
        var means = new double[counts.Length];
        var faces = 0;
        foreach (var (_, image, box) in Faces)
        {
            predictor.Predict(image.View, box, full);
            for (var k = 0; k < counts.Length; k++)
            {
                predictor.Predict(image.View, box, counts[k], part);
                means[k] += Deviation(part, full).Mean;
            }

            faces++;
        }

        for (var k = 0; k < counts.Length; k++)
        {
            means[k] /= faces;
            TestContext.Current.TestOutputHelper?.WriteLine(string.Create(CultureInfo.InvariantCulture, $"first {counts[k]} cascades: mean {means[k]:F3} px from all 15"));
        }

        Assert.True(means[0] > means[1] && means[1] > means[2], $"deviation from the full cascade does not shrink with more cascades: {string.Join(", ", means)}");
        Assert.True(means[2] <= 1.0, string.Create(CultureInfo.InvariantCulture, $"the first 10 cascades are {means[2]:F2} px from all 15 on average"));
    }

    [Fact]
    public void PredictFrom_TheFullFit_StaysNearIt()
    {
        var predictor = new ShapePredictor(LandmarkFaces.Model);
        var fit = new PointF[68];
        var again = new PointF[68];
        double sum = 0;
        var faces = 0;
        foreach (var (name, image, box) in Faces)
        {
            predictor.Predict(image.View, box, fit);
            predictor.PredictFrom(image.View, box, fit, 3, again);
            var (mean, _) = Deviation(again, fit);
            TestContext.Current.TestOutputHelper?.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name} {box}: last 3 cascades from the fit moved it {mean:F3} px"));
            Assert.True(mean <= 1.5, string.Create(CultureInfo.InvariantCulture, $"{name} {box}: the warm start moved the fit {mean:F2} px"));
            sum += mean;
            faces++;
        }

        Assert.True(sum / faces <= 0.75, string.Create(CultureInfo.InvariantCulture, $"the warm start moved the fits {sum / faces:F2} px on average"));
    }

    [Fact]
    public void PredictFrom_BadCascadeCountOrStart_Throws()
    {
        var predictor = new ShapePredictor(LandmarkFaces.Model);
        var (_, image, box) = Faces.First();
        var start = new PointF[68];
        predictor.Predict(image.View, box, start);

        Assert.Throws<ArgumentOutOfRangeException>(() => predictor.PredictFrom(image.View, box, start, 0, new PointF[68]));
        Assert.Throws<ArgumentOutOfRangeException>(() => predictor.PredictFrom(image.View, box, start, LandmarkFaces.Model.CascadeCount + 1, new PointF[68]));
        Assert.Throws<ArgumentOutOfRangeException>(() => predictor.Predict(image.View, box, 0, new PointF[68]));
        Assert.Throws<ArgumentException>(() => predictor.PredictFrom(image.View, box, start.AsSpan(0, 67), 3, new PointF[68]));
        start[5] = new PointF(float.NaN, 1);
        Assert.Throws<ArgumentException>(() => predictor.PredictFrom(image.View, box, start, 3, new PointF[68]));
    }

    [Fact]
    public void PredictAndPredictFrom_AfterWarmUp_DoNotAllocate()
    {
        var predictor = new ShapePredictor(LandmarkFaces.Model);
        var (_, image, box) = Faces.First();
        Span<PointF> fit = stackalloc PointF[68];
        Span<PointF> landmarks = stackalloc PointF[68];
        predictor.Predict(image.View, box, fit);
        predictor.Predict(image.View, box, 8, landmarks);
        predictor.PredictFrom(image.View, box, fit, 3, landmarks);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 5; i++)
        {
            predictor.Predict(image.View, box, 8, landmarks);
            predictor.PredictFrom(image.View, box, fit, 3, landmarks);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private static (double Mean, double Max) Deviation(ReadOnlySpan<PointF> a, ReadOnlySpan<PointF> b)
    {
        double sum = 0, max = 0;
        for (var i = 0; i < 68; i++)
        {
            var d = Math.Sqrt((((double)a[i].X - b[i].X) * ((double)a[i].X - b[i].X)) + (((double)a[i].Y - b[i].Y) * ((double)a[i].Y - b[i].Y)));
            sum += d;
            max = Math.Max(max, d);
        }

        return (sum / 68, max);
    }
}
