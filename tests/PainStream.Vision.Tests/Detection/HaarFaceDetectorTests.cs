// Copyright (c) PainStream contributors. Licensed under the MIT License.

using Microsoft.Extensions.Logging.Abstractions;
using PainStream.Core.Options;
using PainStream.Testing;
using PainStream.Vision.Detection;

namespace PainStream.Vision.Tests.Detection;

public sealed class HaarFaceDetectorTests
{
    private static readonly string CascadePath = new DetectionOptions().HaarCascadePath;

    [Fact]
    public void Detect_Astronaut_FindsTheFace()
    {
        using var detector = new HaarFaceDetector(CascadePath, new DetectionOptions(), NullLogger.Instance);
        var image = TestImage.Load(TestPaths.Fixture("astronaut.png"));

        var faces = detector.Detect(image.View);

        var face = Assert.Single(faces);
        Assert.Equal(1f, face.Score);
        Assert.Empty(face.Keypoints);

        // Haar's box runs from the forehead to the mouth, so compare its centre and width, not its edges.
        Assert.InRange(face.Box.Center.X, GroundTruth.AstronautFace.Center.X - 10, GroundTruth.AstronautFace.Center.X + 10);
        Assert.InRange(face.Box.Center.Y, GroundTruth.AstronautFace.Y, GroundTruth.AstronautFace.Bottom);
        Assert.InRange(face.Box.Width, GroundTruth.AstronautFace.Width - 15, GroundTruth.AstronautFace.Width + 15);
        Assert.Equal("haar-frontalface_default", detector.Name);
    }

    [Fact]
    public void Detect_UniformGreyImage_FindsNoFace()
    {
        using var detector = new HaarFaceDetector(CascadePath, new DetectionOptions(), NullLogger.Instance);

        Assert.Empty(detector.Detect(TestImage.Uniform(320, 240, 128).View));
    }

    [Fact]
    public void Detect_TwoThreadsInParallel_GiveTheSameFace()
    {
        using var detector = new HaarFaceDetector(CascadePath, new DetectionOptions(), NullLogger.Instance);
        var image = TestImage.Load(TestPaths.Fixture("astronaut.png"));
        var expected = Assert.Single(detector.Detect(image.View)).Box;

        var boxes = new System.Collections.Concurrent.ConcurrentBag<Core.Detection.BoxF>();
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 2 }, _ => boxes.Add(Assert.Single(detector.Detect(image.View)).Box));

        Assert.All(boxes, b => Assert.Equal(expected, b));
    }

    [Fact]
    public void Constructor_MissingCascade_ThrowsNamingThePath()
    {
        var path = Path.Combine(Path.GetTempPath(), "painstream-no-such-cascade.xml");

        var ex = Assert.Throws<FileNotFoundException>(() => new HaarFaceDetector(path, new DetectionOptions(), NullLogger.Instance));

        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains("opencv-data", ex.Message, StringComparison.Ordinal);
    }
}
