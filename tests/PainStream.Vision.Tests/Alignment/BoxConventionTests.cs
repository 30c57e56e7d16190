// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Globalization;
using PainStream.Core.Detection;
using PainStream.Vision.Tests.Detection;
using PainStream.Vision.Tests.Landmarks;

namespace PainStream.Vision.Tests.Alignment;

/// <summary>
/// Why there is no BlazeFace-to-dlib box adapter: dlib's shape predictor was trained on dlib's HOG detector boxes, and
/// BlazeFace's boxes match them on average (tools/box-adapter/README.md has the full measurement).
/// </summary>
public sealed class BoxConventionTests(DetectorFixture detectors) : IClassFixture<DetectorFixture>
{
    [Theory]
    [InlineData("front")]
    [InlineData("back")]
    public void BlazeFaceBoxes_OnAverage_MatchDlibsHogBoxes(string model)
    {
        var detector = model == "front" ? detectors.Front : detectors.Back;
        var images = LandmarkFaces.Images.Select(i => i.Image).ToArray();
        var hog = DlibHogDetector.Detect(images);
        var output = TestContext.Current.TestOutputHelper;

        var dx = new List<double>();
        var dy = new List<double>();
        var ratio = new List<double>();
        double eyeShift = 0;
        for (var i = 0; i < images.Length; i++)
        {
            var faces = detector.Detect(images[i].View).Where(f => f.Score >= 0.6f).ToArray();
            foreach (var dlibBox in hog[i])
            {
                var match = faces.MaxBy(f => f.Box.IntersectionOverUnion(dlibBox));
                if (match is null || match.Box.IntersectionOverUnion(dlibBox) < 0.3f)
                {
                    continue;
                }

                var blaze = match.Box;
                var side = (blaze.Width + blaze.Height) / 2;
                dx.Add((dlibBox.Center.X - blaze.Center.X) / side);
                dy.Add((dlibBox.Center.Y - blaze.Center.Y) / side);
                ratio.Add(dlibBox.Width / side);

                var fromDlib = AlignmentFaces.Predict(images[i], dlibBox);
                var fromBlaze = AlignmentFaces.Predict(images[i], LandmarkFaces.ToIntegerBox(blaze));
                var shift = (Face68.Distance(Face68.RightEyeCentre(fromDlib), Face68.RightEyeCentre(fromBlaze))
                    + Face68.Distance(Face68.LeftEyeCentre(fromDlib), Face68.LeftEyeCentre(fromBlaze))) / 2 / Face68.OuterCornerDistance(fromDlib);
                eyeShift += shift;
                output?.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{LandmarkFaces.Images[i].Name}: dlib {dlibBox}, BlazeFace {blaze}, eye centres differ by {shift:F3} inter-ocular"));
            }
        }

        Assert.True(dx.Count >= 6, $"Only {dx.Count} faces were found by both detectors.");
        output?.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{dx.Count} faces: centre offset ({dx.Average():F3}, {dy.Average():F3}) of the side, size ratio {ratio.Average():F3}, mean eye-centre difference {eyeShift / dx.Count:F3} inter-ocular"));

        // Within a tenth of a box side on average: no constant correction is worth applying.
        Assert.InRange(dx.Average(), -0.1, 0.1);
        Assert.InRange(dy.Average(), -0.1, 0.1);
        Assert.InRange(ratio.Average(), 0.9, 1.1);
    }
}
