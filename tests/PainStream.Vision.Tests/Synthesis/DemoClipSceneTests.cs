// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Globalization;
using OpenCvSharp;
using PainStream.Core.Detection;
using PainStream.Testing;
using PainStream.Tools.Synthesis;
using PainStream.Vision.Tests.Detection;

namespace PainStream.Vision.Tests.Synthesis;

public sealed class DemoClipSceneTests(DetectorFixture detectors) : IClassFixture<DetectorFixture>, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("painstream-democlip-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void CreateScene_Astronaut_CentresAFaceOfTheRequestedWidthAndFillsTheFrame()
    {
        var image = TestImage.Load(TestPaths.Fixture("astronaut.png"));
        var options = new DemoClipOptions();

        var scene = Builder().CreateScene(image.View, options, out var source);

        GroundTruth.AssertBoxNear(GroundTruth.AstronautFace, source.Box, 10);
        Assert.Equal((640, 360), (scene.Width, scene.Height));
        Assert.InRange(scene.Face.Width, 199, 201);
        Assert.InRange(scene.Face.Center.X, 318, 322);
        Assert.InRange(scene.Face.Center.Y, 178, 182);
        Assert.All(scene.Landmarks, p => Assert.True(p.X > scene.Face.X - 10 && p.X < scene.Face.Right + 10 && p.Y > scene.Face.Y && p.Y < scene.Face.Bottom + 20, $"landmark {p} is outside the face {scene.Face}"));

        // The 512-px portrait scaled by ~1.9 covers the whole frame: no letterbox bars.
        var neutral = scene.Neutral;
        Assert.True(neutral.GetRow(0)[..30].IndexOfAnyExcept((byte)0) >= 0 && neutral.GetRow(359)[^30..].IndexOfAnyExcept((byte)0) >= 0);
    }

    [Fact]
    public void Render_EveryDistinctFrameOfTheDefaultClip_IsFoundByTheDaemonsDefaultDetector()
    {
        // The daemon's default: BlazeFace front 128 on the whole 640x360 frame, minimum score 0.6.
        var image = TestImage.Load(TestPaths.Fixture("astronaut.png"));
        var scene = Builder().CreateScene(image.View, new DemoClipOptions(), out _);
        var timeline = new DemoClipTimeline(new DemoClipOptions());
        var frame = new byte[scene.FrameBytes];
        GrimaceShape? last = null;
        var (rendered, worstScore, worstIoU) = (0, 1f, 1f);

        for (var i = 0; i < timeline.FrameCount; i++)
        {
            var shape = timeline.ShapeAt(i);
            if (shape == last)
            {
                continue;
            }

            last = shape;
            scene.Render(shape, frame);
            rendered++;
            var faces = detectors.Front.Detect(new BgrImage(frame, scene.Width, scene.Height, scene.Width * 3));
            var face = faces.Where(f => f.Score >= 0.6f).MaxBy(f => f.Box.IntersectionOverUnion(scene.Face));
            Assert.True(face is not null, $"frame {i} ({shape}): the front detector found no face");
            worstScore = MathF.Min(worstScore, face.Score);
            worstIoU = MathF.Min(worstIoU, face.Box.IntersectionOverUnion(scene.Face));
        }

        TestContext.Current.TestOutputHelper?.WriteLine(string.Create(
            CultureInfo.InvariantCulture, $"{rendered} distinct frames of {timeline.FrameCount}: lowest score {worstScore:F3}, lowest IoU with the neutral box {worstIoU:F3}"));
        Assert.True(worstIoU >= 0.6f, $"a detected box overlaps the neutral face box by only {worstIoU:F2}");
    }

    [Fact]
    public void Render_Neutral_IsTheNeutralFrameExactly()
    {
        var image = TestImage.Load(TestPaths.Fixture("astronaut.png"));
        var scene = Builder().CreateScene(image.View, new DemoClipOptions { Width = 320, Height = 240, FaceWidth = 120 }, out _);
        var frame = new byte[scene.FrameBytes];

        scene.Render(GrimaceShape.Neutral, frame);

        Assert.True(scene.Neutral.Data.SequenceEqual(frame));
    }

    [Fact]
    public void FindLargest_SmallFaceInALargeImage_IsFoundThroughRegions()
    {
        // The astronaut at half size (a ~50-px face) on a 1600x1200 canvas: 8 px in the back model's 256 input when the
        // whole image is letterboxed into it, 21 px in a 600-px region.
        var image = TestImage.Load(TestPaths.Fixture("astronaut.png"));
        using var small = new Mat();
        using (var source = Mat.FromPixelData(image.Height, image.Width, MatType.CV_8UC3, image.Data, image.Stride))
        {
            Cv2.Resize(source, small, new Size(256, 256), 0, 0, InterpolationFlags.Area);
        }

        using var canvas = new Mat(1200, 1600, MatType.CV_8UC3, new Scalar(90, 100, 110));
        using (var at = new Mat(canvas, new Rect(1000, 700, 256, 256)))
        {
            small.CopyTo(at);
        }

        var big = TestImage.FromMat(canvas);
        var expected = new BoxF(1000 + (GroundTruth.AstronautFace.X / 2), 700 + (GroundTruth.AstronautFace.Y / 2), GroundTruth.AstronautFace.Width / 2, GroundTruth.AstronautFace.Height / 2);
        Assert.DoesNotContain(detectors.Back.Detect(big.View), f => f.Score >= 0.6f);

        var face = FaceSearch.FindLargest(detectors.Back, big.View, 0.6f);

        Assert.NotNull(face);
        GroundTruth.AssertBoxNear(expected, face.Box, 8);
        Assert.All(face.Keypoints, k => Assert.True(k.X > 1000 && k.Y > 700, $"keypoint {k} was not moved into the image's coordinates"));
    }

    [Fact]
    public void FindLargest_NoFace_ReturnsNull()
    {
        var blank = TestImage.Uniform(640, 480, 128);

        Assert.Null(FaceSearch.FindLargest(detectors.Back, blank.View, 0.6f));
    }

    [Fact]
    public async Task BuildAsync_MissingUnreadableOrFacelessImage_ThrowsTheMatchingError()
    {
        var ct = TestContext.Current.CancellationToken;
        var output = Path.Combine(_dir, "out.mp4");
        var notAnImage = Path.Combine(_dir, "notes.png");
        await File.WriteAllTextAsync(notAnImage, "not a picture", ct);
        var faceless = Path.Combine(_dir, "wall.png");
        using (var wall = new Mat(240, 320, MatType.CV_8UC3, new Scalar(128, 128, 128)))
        {
            Cv2.ImWrite(faceless, wall);
        }

        var missing = await Assert.ThrowsAsync<DemoClipException>(() => Builder().BuildAsync(Path.Combine(_dir, "nope.png"), output, new DemoClipOptions(), ct));
        var unreadable = await Assert.ThrowsAsync<DemoClipException>(() => Builder().BuildAsync(notAnImage, output, new DemoClipOptions(), ct));
        var noFace = await Assert.ThrowsAsync<DemoClipException>(() => Builder().BuildAsync(faceless, output, new DemoClipOptions(), ct));

        Assert.Equal(DemoClipError.ImageNotFound, missing.Error);
        Assert.Contains("nope.png", missing.Message, StringComparison.Ordinal);
        Assert.Equal(DemoClipError.ImageUnreadable, unreadable.Error);
        Assert.Equal(DemoClipError.NoFace, noFace.Error);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public async Task WriteAsync_FfmpegMissing_ThrowsEncoderUnavailableAndLeavesNoFile()
    {
        var image = TestImage.Load(TestPaths.Fixture("astronaut.png"));
        var scene = Builder().CreateScene(image.View, new DemoClipOptions(), out _);
        var output = Path.Combine(_dir, "clip.mp4");

        var ex = await Assert.ThrowsAsync<DemoClipException>(() => DemoClipBuilder.WriteAsync(
            scene, new DemoClipTimeline(new DemoClipOptions { NeutralSeconds = 1, GrimaceSeconds = 1 }), output, "/nonexistent/ffmpeg", TestContext.Current.CancellationToken));

        Assert.Equal(DemoClipError.EncoderUnavailable, ex.Error);
        Assert.Contains("/nonexistent/ffmpeg", ex.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(_dir));
    }

    [Fact]
    public async Task WriteAsync_FfmpegRejectsTheOutput_ThrowsEncoderFailedWithItsStderr()
    {
        var image = TestImage.Load(TestPaths.Fixture("astronaut.png"));
        var scene = Builder().CreateScene(image.View, new DemoClipOptions(), out _);

        // A directory where ffmpeg has to create its file: ffmpeg exits non-zero and says why on stderr.
        var blocked = Path.Combine(_dir, "blocked");
        Directory.CreateDirectory(blocked);
        Directory.CreateDirectory(Path.Combine(blocked, "clip.mp4.partial"));
        var output = Path.Combine(blocked, "clip.mp4");

        var ex = await Assert.ThrowsAsync<DemoClipException>(() => DemoClipBuilder.WriteAsync(
            scene, new DemoClipTimeline(new DemoClipOptions { NeutralSeconds = 1, GrimaceSeconds = 1 }), output, "ffmpeg", TestContext.Current.CancellationToken));

        Assert.Equal(DemoClipError.EncoderFailed, ex.Error);
        Assert.Contains("ffmpeg", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("wrote nothing", ex.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(output));
    }

    private DemoClipBuilder Builder() => new(detectors.Back, GrimaceFaces.Predictor);
}
