// Copyright (c) PainStream contributors. Licensed under the MIT License.

using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Testing;
using PainStream.Core.Detection;
using PainStream.Core.Options;
using PainStream.Inference.Onnx;
using PainStream.Testing;
using PainStream.Vision.Detection;

namespace PainStream.Vision.Tests.Detection;

public sealed class BlazeFaceDetectorTests(DetectorFixture detectors) : IClassFixture<DetectorFixture>
{
    [Fact]
    public void Detect_Astronaut_FindsExactlyOneFaceAtTheTrueBox()
    {
        var image = TestImage.Load(TestPaths.Fixture("astronaut.png"));

        var faces = detectors.Front.Detect(image.View);

        var face = Assert.Single(faces);
        GroundTruth.AssertBoxNear(GroundTruth.AstronautFace, face.Box, 10);
        Assert.InRange(face.Score, 0.75f, 1f);
        Assert.Equal(6, face.Keypoints.Count);

        // Keypoint order is the subject's right eye (image left) then left eye.
        GroundTruth.AssertPointNear(GroundTruth.AstronautRightEye, face.Keypoints[0], 8);
        GroundTruth.AssertPointNear(GroundTruth.AstronautLeftEye, face.Keypoints[1], 8);
    }

    [Fact]
    public void Detect_AstronautWithBackModel_FindsTheFace()
    {
        var image = TestImage.Load(TestPaths.Fixture("astronaut.png"));

        var faces = detectors.Back.Detect(image.View);

        var face = Assert.Single(faces);
        GroundTruth.AssertBoxNear(GroundTruth.AstronautFace, face.Box, 10);
        Assert.Equal("blazeface-back-256", detectors.Back.Name);
    }

    [Fact]
    public void Detect_MessiWithBackModel_FindsHisFace()
    {
        var image = TestImage.Load(TestPaths.Fixture("messi5.jpg"));

        var faces = detectors.Back.Detect(image.View);

        var face = Assert.Single(faces, f => f.Box.IntersectionOverUnion(GroundTruth.MessiFace) > 0.3f);
        GroundTruth.AssertBoxNear(GroundTruth.MessiFace, face.Box, 6);
        Assert.Same(face, faces[0]);
    }

    [Fact]
    public void Detect_MessiRoiWithFrontModel_FindsHisFaceInCropCoordinates()
    {
        // His face is ~36 px: too small for the 128 model on the whole 548x342 frame, found once the bed-style ROI is cut.
        var image = TestImage.Load(TestPaths.Fixture("messi5.jpg"));
        var roi = new PixelRect(171, 41, 150, 150);

        var faces = detectors.Front.Detect(image.View.Crop(roi));

        var face = Assert.Single(faces);
        GroundTruth.AssertBoxNear(GroundTruth.MessiFace.Offset(-roi.X, -roi.Y), face.Box, 6);
    }

    [Fact]
    public void Detect_RoiCrop_ReturnsTheFullFrameBoxesShiftedIntoCropCoordinates()
    {
        var image = TestImage.Load(TestPaths.Fixture("astronaut.png"));
        var roi = new PixelRect(97, 13, 301, 259); // odd offsets and sizes: the view's stride is the full frame's
        var full = Assert.Single(detectors.Front.Detect(image.View));

        var cropped = Assert.Single(detectors.Front.Detect(image.View.Crop(roi)));

        // The crop is letterboxed at scale 0.43 instead of 0.25, so the model sees a differently resampled face and its box
        // edges move by up to ~7 px (measured); the centre, the size and the keypoints agree closely.
        var expected = full.Box.Offset(-roi.X, -roi.Y);
        GroundTruth.AssertPointNear(expected.Center, cropped.Box.Center, 4);
        Assert.InRange(cropped.Box.Width / expected.Width, 0.9f, 1.1f);
        Assert.InRange(cropped.Box.Height / expected.Height, 0.9f, 1.1f);
        for (var k = 0; k < full.Keypoints.Count; k++)
        {
            var p = full.Keypoints[k];
            // Eyes, nose and mouth agree within ~5 px (measured 0.8–4.6); the ear tragions are the loosest keypoints (~11 px).
            GroundTruth.AssertPointNear(new PointF(p.X - roi.X, p.Y - roi.Y), cropped.Keypoints[k], k < 4 ? 6 : 14);
        }
    }

    [Fact]
    public void Detect_RoiCropOfTheSameScale_ReturnsExactlyTheFullFrameResultShifted()
    {
        // The astronaut pasted into a larger grey frame at (237, 101): a 512x512 ROI there holds exactly the astronaut's
        // pixels (with the big frame's stride), so the ROI result must equal the astronaut result bit for bit, and in
        // frame coordinates it is that result shifted by the paste offset.
        var astronaut = TestImage.Load(TestPaths.Fixture("astronaut.png"));
        var frame = TestImage.Uniform(900, 700, 128);
        const int offsetX = 237, offsetY = 101;
        for (var y = 0; y < astronaut.Height; y++)
        {
            astronaut.Data.AsSpan(y * astronaut.Stride, astronaut.Width * 3)
                .CopyTo(frame.Data.AsSpan(((y + offsetY) * frame.Stride) + (offsetX * 3)));
        }

        var expected = detectors.Front.Detect(astronaut.View);
        var actual = detectors.Front.Detect(frame.View.Crop(new PixelRect(offsetX, offsetY, 512, 512)));

        AssertSameFaces(expected, actual);
        var inFrame = actual[0].Box.Offset(offsetX, offsetY);
        GroundTruth.AssertBoxNear(GroundTruth.AstronautFace.Offset(offsetX, offsetY), inFrame, 10);
    }

    [Fact]
    public void Detect_PaddedStride_GivesTheSameResultAsPackedRows()
    {
        var packed = TestImage.Load(TestPaths.Fixture("astronaut.png"));
        var padded = packed.WithStridePadding(61);

        var expected = Assert.Single(detectors.Front.Detect(packed.View));
        var actual = Assert.Single(detectors.Front.Detect(padded.View));

        AssertSameFaces([expected], [actual]);
    }

    [Theory]
    [InlineData(640, 360)]
    [InlineData(128, 128)]
    [InlineData(301, 777)]
    public void Detect_UniformGreyImage_FindsNoFace(int width, int height)
    {
        var image = TestImage.Uniform(width, height, 128);

        Assert.Empty(detectors.Front.Detect(image.View));
        Assert.Empty(detectors.Back.Detect(image.View));
    }

    [Fact]
    public void Detect_MaxFacesOne_ReportsOnlyTheBestFace()
    {
        var options = DetectorFixture.Options();
        options.MaxFaces = 1;
        options.MinScore = 0.05;
        using var detector = new BlazeFaceDetector(BlazeFaceModel.Back, TestPaths.Models, options, NullLogger.Instance);
        var image = TestImage.Load(TestPaths.Fixture("messi5.jpg"));

        var face = Assert.Single(detector.Detect(image.View));

        Assert.True(face.Box.IntersectionOverUnion(GroundTruth.MessiFace) > 0.5f, $"best face {face.Box}");
    }

    [Fact]
    public void Detect_FourThreadsInParallel_GiveIdenticalResults()
    {
        var astronaut = TestImage.Load(TestPaths.Fixture("astronaut.png"));
        var messi = TestImage.Load(TestPaths.Fixture("messi5.jpg"));
        var roi = new PixelRect(171, 41, 150, 150);
        var expectedAstronaut = detectors.Front.Detect(astronaut.View);
        var expectedMessi = detectors.Front.Detect(messi.View.Crop(roi));
        const int threads = 4;
        const int iterations = 25;
        var mismatches = 0;
        using var start = new Barrier(threads);

        var workers = new Thread[threads];
        var failures = new Exception?[threads];
        for (var t = 0; t < threads; t++)
        {
            var id = t;
            workers[t] = new Thread(() =>
            {
                try
                {
                    start.SignalAndWait();
                    for (var i = 0; i < iterations; i++)
                    {
                        var astronautFaces = detectors.Front.Detect(astronaut.View);
                        var messiFaces = detectors.Front.Detect(messi.View.Crop(roi));
                        if (!SameFaces(expectedAstronaut, astronautFaces) || !SameFaces(expectedMessi, messiFaces))
                        {
                            Interlocked.Increment(ref mismatches);
                        }
                    }
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    failures[id] = ex;
                }
            });
            workers[t].Start();
        }

        foreach (var worker in workers)
        {
            worker.Join();
        }

        Assert.All(failures, f => Assert.Null(f));
        Assert.Equal(0, mismatches);
        Assert.Single(expectedAstronaut);
        Assert.Single(expectedMessi);
    }

    [Fact]
    public void Constructor_AutoProviderWithoutCuda_FallsBackToCpuAndLogsItOnce()
    {
        Requires.NoGpu(IsCudaUsable(), "CUDA is usable here: Auto picks it (GpuTests cover that).");
        var logger = new FakeLogger();
        var options = DetectorFixture.Options();
        options.ExecutionProvider = ExecutionProviderKind.Auto;

        using var detector = new BlazeFaceDetector(BlazeFaceModel.Front, TestPaths.Models, options, logger);

        Assert.Equal(ExecutionProviderKind.Cpu, detector.ExecutionProvider);
        var loaded = Assert.Single(logger.Collector.GetSnapshot(), r => r.Id.Id == 3000);
        Assert.Contains("CPUExecutionProvider", loaded.Message, StringComparison.Ordinal);
        Assert.Contains(detector.ModelPath, loaded.Message, StringComparison.Ordinal);
        Assert.Single(logger.Collector.GetSnapshot(), r => r.Id.Id == 3001 && r.Level == LogLevel.Information);
    }

    [Fact]
    public void Detect_AfterDispose_Throws()
    {
        var detector = new BlazeFaceDetector(BlazeFaceModel.Front, TestPaths.Models, DetectorFixture.Options(), NullLogger.Instance);
        detector.Dispose();
        detector.Dispose();

        Assert.Throws<ObjectDisposedException>(() => detector.Detect(TestImage.Uniform(8, 8, 0).View));
    }

    internal static bool IsCudaUsable() => OnnxSessionFactory.IsCudaUsable();

    private static bool SameFaces(IReadOnlyList<DetectedFace> expected, IReadOnlyList<DetectedFace> actual)
    {
        if (expected.Count != actual.Count)
        {
            return false;
        }

        for (var i = 0; i < expected.Count; i++)
        {
            if (expected[i].Box != actual[i].Box || expected[i].Score != actual[i].Score || !expected[i].Keypoints.SequenceEqual(actual[i].Keypoints))
            {
                return false;
            }
        }

        return true;
    }

    private static void AssertSameFaces(IReadOnlyList<DetectedFace> expected, IReadOnlyList<DetectedFace> actual) =>
        Assert.True(SameFaces(expected, actual), $"expected {string.Join("; ", expected)}, got {string.Join("; ", actual)}");
}
