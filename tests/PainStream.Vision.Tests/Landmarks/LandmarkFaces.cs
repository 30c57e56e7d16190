// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using PainStream.Core.Detection;
using PainStream.Testing;
using PainStream.Vision.Detection;
using PainStream.Vision.Landmarks;
using PainStream.Vision.Tests.Detection;

namespace PainStream.Vision.Tests.Landmarks;

/// <summary>A fixture image and the integer face boxes to run landmarks on.</summary>
internal sealed record LandmarkImage(string Name, TestImage Image, IReadOnlyList<BoxF> Boxes);

/// <summary>The shared model and the real faces the landmark tests run on (loaded once per test process).</summary>
internal static class LandmarkFaces
{
    private static readonly Lazy<ShapePredictorModel> LazyModel = new(() => ShapePredictorModel.LoadFace68(TestPaths.Models));
    private static readonly Lazy<ShapePredictorModel> LazyExactModel = new(() => ShapePredictorModel.LoadFace68(TestPaths.Models, ShapePredictorLeaves.Exact));
    private static readonly Lazy<IReadOnlyList<LandmarkImage>> LazyImages = new(Collect);

    /// <summary>Gets the 68-point model as the daemon loads it (16-bit leaves; about a second to verify and parse, so shared).</summary>
    public static ShapePredictorModel Model => LazyModel.Value;

    /// <summary>Gets the 68-point model with dlib's float leaves (<see cref="ShapePredictorLeaves.Exact"/>), for the dlib comparisons.</summary>
    public static ShapePredictorModel ExactModel => LazyExactModel.Value;

    /// <summary>
    /// Gets the fixture faces: astronaut.png and messi5.jpg with their hand-measured boxes and the BlazeFace boxes, and
    /// BlazeFace boxes in six frames of Megamind.avi (frames 40–240, two characters, one with glasses).
    /// </summary>
    public static IReadOnlyList<LandmarkImage> Images => LazyImages.Value;

    /// <summary>Rounds a detector box to the integer box dlib takes (see <see cref="ShapePredictor"/>'s box mapping).</summary>
    public static BoxF ToIntegerBox(BoxF box) =>
        new(MathF.Round(box.X), MathF.Round(box.Y), MathF.Max(1, MathF.Round(box.Width)), MathF.Max(1, MathF.Round(box.Height)));

    private static List<LandmarkImage> Collect()
    {
        using var detector = new BlazeFaceDetector(BlazeFaceModel.Back, TestPaths.Models, DetectorFixture.Options(), NullLogger.Instance);
        var images = new List<LandmarkImage>();

        var astronaut = TestImage.Load(TestPaths.Fixture("astronaut.png"));
        images.Add(new("astronaut.png", astronaut, [GroundTruth.AstronautFace, .. Detect(detector, astronaut)]));

        var messi = TestImage.Load(TestPaths.Fixture("messi5.jpg"));
        images.Add(new("messi5.jpg", messi, [GroundTruth.MessiFace, .. Detect(detector, messi)]));

        foreach (var (frame, image) in MegamindFrames())
        {
            var boxes = Detect(detector, image);
            if (boxes.Count > 0)
            {
                images.Add(new($"Megamind.avi#{frame}", image, boxes));
            }
        }

        return images;
    }

    private static List<BoxF> Detect(BlazeFaceDetector detector, TestImage image) =>
        [.. detector.Detect(image.View).Where(f => f.Score >= 0.6f && f.Box.Width >= 24).Select(f => ToIntegerBox(f.Box))];

    private static List<(int Frame, TestImage Image)> MegamindFrames()
    {
        var clip = TestPaths.Fixture("Megamind.avi");
        var dir = Directory.CreateTempSubdirectory("painstream-megamind-").FullName;
        try
        {
            var start = new ProcessStartInfo("ffmpeg") { UseShellExecute = false, RedirectStandardError = true };
            foreach (var arg in new[] { "-nostdin", "-loglevel", "error", "-i", clip, "-vf", @"select=not(mod(n\,40))", "-fps_mode", "passthrough", "-frames:v", "7", Path.Combine(dir, "f%d.png") })
            {
                start.ArgumentList.Add(arg);
            }

            using (var ffmpeg = Process.Start(start) ?? throw new InvalidOperationException("Could not start ffmpeg."))
            {
                var stderr = ffmpeg.StandardError.ReadToEnd();
                ffmpeg.WaitForExit();
                Assert.True(ffmpeg.ExitCode == 0, $"ffmpeg could not extract frames of {clip}: {stderr}");
            }

            // f1 is frame 0 (black); f2..f7 are frames 40..240.
            var frames = new List<(int, TestImage)>();
            for (var i = 2; i <= 7; i++)
            {
                var png = Path.Combine(dir, $"f{i}.png");
                if (File.Exists(png))
                {
                    frames.Add(((i - 1) * 40, TestImage.Load(png)));
                }
            }

            return frames;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
