// Copyright (c) PainStream contributors. Licensed under the MIT License.

using OpenCvSharp;
using PainStream.Core.Detection;
using PainStream.Vision.Alignment;
using PainStream.Vision.Landmarks;
using PainStream.Vision.Tests.Landmarks;

namespace PainStream.Vision.Tests.Alignment;

/// <summary>One fixture face with its box and the 68 landmarks the C# shape predictor finds in it.</summary>
/// <param name="Name">Image name and box, for messages and theory data.</param>
/// <param name="Image">The whole image.</param>
/// <param name="Box">The face box the landmarks were predicted from.</param>
/// <param name="Landmarks">The 68 landmarks.</param>
internal sealed record FixtureFace(string Name, TestImage Image, BoxF Box, PointF[] Landmarks)
{
    public override string ToString() => Name;
}

/// <summary>
/// The real faces the alignment, pose and quality tests run on: the landmark tests' faces (astronaut.png and messi5.jpg
/// with their hand-measured and BlazeFace boxes, BlazeFace faces in frames 40–240 of Megamind.avi), with landmarks.
/// </summary>
internal static class AlignmentFaces
{
    /// <summary>astronaut.png with the hand-measured box (<see cref="GroundTruth.AstronautFace"/>).</summary>
    public const string AstronautHand = "astronaut.png/hand";

    /// <summary>astronaut.png with the BlazeFace box.</summary>
    public const string AstronautBlaze = "astronaut.png/blazeface";

    /// <summary>messi5.jpg with the hand-measured box: a 35-pixel face, turned to the image's right, looking down.</summary>
    public const string MessiHand = "messi5.jpg/hand";

    /// <summary>messi5.jpg with the BlazeFace box.</summary>
    public const string MessiBlaze = "messi5.jpg/blazeface";

    /// <summary>Megamind.avi frame 40: the woman, turned to the image's right.</summary>
    public const string Megamind40 = "Megamind.avi#40";

    /// <summary>Megamind.avi frame 80: the out-of-focus face in the background on the right.</summary>
    public const string Megamind80Background = "Megamind.avi#80/background";

    /// <summary>Megamind.avi frame 120: the man with glasses, smiling, turned a little to the image's right.</summary>
    public const string Megamind120 = "Megamind.avi#120";

    /// <summary>Megamind.avi frame 160: the woman, smiling, head tilted, eyes turned to the image's right.</summary>
    public const string Megamind160 = "Megamind.avi#160";

    /// <summary>Megamind.avi frame 200: the man with glasses looking straight into the camera.</summary>
    public const string Megamind200 = "Megamind.avi#200";

    /// <summary>Megamind.avi frame 240: the man with glasses, turned a little to the image's left.</summary>
    public const string Megamind240 = "Megamind.avi#240";

    private static readonly Lazy<ShapePredictor> LazyPredictor = new(() => new ShapePredictor(LandmarkFaces.Model));
    private static readonly Lazy<FaceTemplate> LazyTemplate = new(() => FaceTemplate.FromModel(LandmarkFaces.Model, FaceAligner.DefaultSize));
    private static readonly Lazy<IReadOnlyDictionary<string, FixtureFace>> LazyFaces = new(Collect);

    public static ShapePredictor Predictor => LazyPredictor.Value;

    /// <summary>Gets the 112-pixel template (shared; templates are immutable).</summary>
    public static FaceTemplate Template112 => LazyTemplate.Value;

    /// <summary>Gets every fixture face by name.</summary>
    public static IReadOnlyDictionary<string, FixtureFace> All => LazyFaces.Value;

    public static FixtureFace Get(string name) =>
        All.TryGetValue(name, out var face) ? face : throw new InvalidOperationException($"Fixture face '{name}' was not found; found: {string.Join(", ", All.Keys)}.");

    public static PointF[] Predict(TestImage image, BoxF box)
    {
        var landmarks = new PointF[68];
        Predictor.Predict(image.View, box, landmarks);
        return landmarks;
    }

    /// <summary>Returns a copy of <paramref name="image"/> transformed by an OpenCV operation.</summary>
    public static TestImage Map(TestImage image, Action<Mat, Mat> operation)
    {
        using var source = image.AsMat();
        using var result = new Mat();
        operation(source, result);
        return TestImage.FromMat(result);
    }

    /// <summary>Gaussian blur with standard deviation <paramref name="sigma"/> pixels (kernel size chosen by OpenCV).</summary>
    public static TestImage Blur(TestImage image, double sigma) =>
        Map(image, (s, d) => Cv2.GaussianBlur(s, d, new Size(0, 0), sigma));

    /// <summary>Multiplies every channel by <paramref name="gain"/>, saturating at 255.</summary>
    public static TestImage Gain(TestImage image, double gain) =>
        Map(image, (s, d) => s.ConvertTo(d, MatType.CV_8UC3, gain));

    /// <summary>Mirrors the image left to right.</summary>
    public static TestImage FlipHorizontally(TestImage image) =>
        Map(image, (s, d) => Cv2.Flip(s, d, FlipMode.Y));

    /// <summary>Rotates the image about <paramref name="centre"/> by <paramref name="degrees"/>, positive clockwise on screen.</summary>
    public static TestImage Rotate(TestImage image, PointF centre, double degrees)
    {
        // getRotationMatrix2D turns counter-clockwise on screen for positive angles (y points down).
        using var matrix = Cv2.GetRotationMatrix2D(new Point2f(centre.X, centre.Y), -degrees, 1);
        return Map(image, (s, d) => Cv2.WarpAffine(s, d, matrix, s.Size(), InterpolationFlags.Linear, BorderTypes.Replicate));
    }

    private static Dictionary<string, FixtureFace> Collect()
    {
        var faces = new Dictionary<string, FixtureFace>(StringComparer.Ordinal);
        foreach (var image in LandmarkFaces.Images)
        {
            for (var k = 0; k < image.Boxes.Count; k++)
            {
                var box = image.Boxes[k];
                var name = image.Name switch
                {
                    "astronaut.png" or "messi5.jpg" => $"{image.Name}/{(k == 0 ? "hand" : k == 1 ? "blazeface" : $"blazeface{k}")}",
                    "Megamind.avi#80" => box.X > 400 ? Megamind80Background : "Megamind.avi#80/foreground",
                    _ when image.Boxes.Count == 1 => image.Name,
                    _ => $"{image.Name}/{k}",
                };
                faces.Add(name, new FixtureFace(name, image.Image, box, Predict(image.Image, box)));
            }
        }

        return faces;
    }
}
