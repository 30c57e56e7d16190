// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using OpenCvSharp;
using PainStream.Core.Detection;
using PainStream.Core.Options;
using PainStream.Inference.Onnx;
using PainStream.Testing;
using PainStream.Vision.Detection;

namespace PainStream.Vision.Tests.Detection;

/// <summary>
/// Issue 14 item 2: <see cref="BlazeFaceDetector.DetectBatch"/> on the batch-dynamic graphs gives what one
/// <see cref="BlazeFaceDetector.Detect(BgrImage)"/> per image gives, on the real fixture faces at several sizes.
/// </summary>
public sealed class BlazeFaceBatchTests(DetectorFixture detectors) : IClassFixture<DetectorFixture>
{
    /// <summary>Boxes and keypoints of a batched run may differ from a single run by float rounding only.</summary>
    private const float Tolerance = 1e-3f;

    public static TheoryData<string> Models => ["front", "back"];

    [Fact]
    public void Load_BatchDynamicGraphs_AreTheFilesTheDaemonLoadsAndTakeTheRunCap()
    {
        Assert.EndsWith("_batch.onnx", detectors.Front.ModelPath, StringComparison.Ordinal);
        Assert.EndsWith("_batch.onnx", detectors.Back.ModelPath, StringComparison.Ordinal);
        Assert.Equal(BlazeFaceDetector.MaxRunBatch, detectors.Front.MaxBatchSize);
        Assert.Equal(BlazeFaceDetector.MaxRunBatch, detectors.Back.MaxBatchSize);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void DetectBatch_FixtureFacesOfSeveralSizes_EqualsOneByOne(string model)
    {
        var detector = Detector(model);
        var batch = FixtureBatch();

        var results = new IReadOnlyList<DetectedFace>[batch.Count];
        detector.DetectBatch(batch, results);

        var found = AssertMatchesOneByOne(detector, batch, results);

        // Not a comparison of empty lists: the fixtures hold faces both models find (astronaut at every scale, Messi's ROI).
        Assert.True(found >= 5, $"{model}: only {found} faces in the batch");
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void DetectBatch_LargerThanTheRunCap_IsSplitAndEqualsOneByOne(string model)
    {
        var detector = Detector(model);
        var fixtures = FixtureBatch();
        var batch = new ImageBatch();
        var count = (2 * BlazeFaceDetector.MaxRunBatch) + 3;
        for (var i = 0; i < count; i++)
        {
            batch.AddFrom(fixtures, i % fixtures.Count);
        }

        var results = new IReadOnlyList<DetectedFace>[count];
        detector.DetectBatch(batch, results);

        var found = AssertMatchesOneByOne(detector, batch, results);
        Assert.True(found >= count / 2, $"{model}: only {found} faces in {count} images");
    }

    [Fact]
    public void DetectBatch_EmptyBatch_DoesNothing()
    {
        IReadOnlyList<DetectedFace>[] results = [[new DetectedFace(new BoxF(1, 2, 3, 4), 0.5f, [])]];
        var before = results[0];

        detectors.Front.DetectBatch(new ImageBatch(), results);
        detectors.Front.DetectBatch(new ImageBatch(), []);

        Assert.Same(before, results[0]);
    }

    [Fact]
    public void DetectBatch_ResultsShorterThanTheBatch_ThrowsBeforeRunning()
    {
        var batch = FixtureBatch();

        Assert.Throws<ArgumentOutOfRangeException>(() => detectors.Front.DetectBatch(batch, new IReadOnlyList<DetectedFace>[batch.Count - 1]));
    }

    [Fact]
    public void DetectBatch_SameImageInEverySlot_GivesTheSameFacesInEverySlot()
    {
        // A slot's bars are cleared only when its letterbox changes: alternating geometries across calls must not leak.
        var astronaut = TestImage.Load(TestPaths.Fixture("astronaut.png"));
        var messi = TestImage.Load(TestPaths.Fixture("messi5.jpg"));
        var first = new ImageBatch();
        var second = new ImageBatch();
        for (var i = 0; i < 5; i++)
        {
            first.Add(astronaut);
            second.Add(messi);
        }

        var expected = detectors.Back.Detect(messi.View);
        var results = new IReadOnlyList<DetectedFace>[5];
        detectors.Back.DetectBatch(first, results);
        Assert.All(results, r => Assert.Single(r));
        detectors.Back.DetectBatch(second, results);

        Assert.All(results, r => AssertSameFaces(expected, r, Tolerance, "messi in every slot"));
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void DetectBatch_FixedBatchNpmGraph_RunsOneByOneAndAgreesWithTheRewrittenGraph(string model)
    {
        // The rewrite (symbolic batch, channel Concat -> Pad, reshape targets) must not change what the graph computes.
        var layout = model == "front" ? BlazeFaceModel.Front : BlazeFaceModel.Back;
        using var original = new BlazeFaceDetector(layout, layout.FixedBatchRelativePath, TestPaths.Models, DetectorFixture.Options(), NullLogger.Instance);
        var batch = FixtureBatch();

        var expected = new IReadOnlyList<DetectedFace>[batch.Count];
        Detector(model).DetectBatch(batch, expected);
        var actual = new IReadOnlyList<DetectedFace>[batch.Count];
        original.DetectBatch(batch, actual);

        Assert.Equal(1, original.MaxBatchSize);
        var found = 0;
        for (var i = 0; i < batch.Count; i++)
        {
            AssertSameFaces(expected[i], actual[i], Tolerance, $"{model} image {i} ({batch.Images[i].Width}x{batch.Images[i].Height})");
            found += actual[i].Count;
        }

        Assert.True(found >= 5, $"{model}: only {found} faces");
    }

    [Fact]
    public void DetectBatch_FourThreadsInParallel_GiveTheSingleThreadResults()
    {
        var batch = FixtureBatch();
        var expected = new IReadOnlyList<DetectedFace>[batch.Count];
        detectors.Front.DetectBatch(batch, expected);
        const int threads = 4;
        var failures = new Exception?[threads];
        var workers = new Thread[threads];
        using var start = new Barrier(threads);
        for (var t = 0; t < threads; t++)
        {
            var id = t;
            workers[t] = new Thread(() =>
            {
                try
                {
                    start.SignalAndWait();
                    for (var round = 0; round < 10; round++)
                    {
                        var results = new IReadOnlyList<DetectedFace>[batch.Count];
                        detectors.Front.DetectBatch(batch, results);
                        for (var i = 0; i < results.Length; i++)
                        {
                            AssertSameFaces(expected[i], results[i], 0f, $"thread {id} round {round} image {i}");
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
    }

    [Fact]
    public void DetectBatch_HaarDefaultImplementation_RunsDetectPerImage()
    {
        using IFaceDetector haar = new HaarFaceDetector(new DetectionOptions().HaarCascadePath, new DetectionOptions(), NullLogger.Instance);
        var batch = FixtureBatch();

        var results = new IReadOnlyList<DetectedFace>[batch.Count];
        haar.DetectBatch(batch, results);

        var found = 0;
        for (var i = 0; i < batch.Count; i++)
        {
            var single = haar.Detect(batch.GetImage(i));
            Assert.Equal(single.Select(f => f.Box), results[i].Select(f => f.Box));
            found += single.Count;
        }

        Assert.True(found >= 3, $"Haar found only {found} faces");
    }

    [Fact]
    public async Task Rewrite_OfTheFetchedNpmGraphs_IsDeterministicAndGivesTheManifestChecksums()
    {
        // models/fetch writes the _batch files with this script; run it again (twice) and compare with the pinned checksums.
        var manifest = ModelChecksums.Load(TestPaths.Models);
        var script = Path.Combine(TestPaths.Models, "blazeface-dynamic-batch.py");
        using var scratch = new TempDirectory("painstream-batch-model-");
        foreach (var layout in new[] { BlazeFaceModel.Front, BlazeFaceModel.Back })
        {
            var source = ModelFile.Verify(TestPaths.Models, layout.FixedBatchRelativePath);
            for (var run = 0; run < 2; run++)
            {
                var output = Path.Combine(scratch.Path, $"{layout.Name}-{run}.onnx");
                await RunPythonAsync(script, source, output);
                Assert.Equal(manifest.Get(layout.RelativePath).Sha256, ModelFile.ComputeSha256(output));
            }
        }
    }

    private static async Task RunPythonAsync(params string[] args)
    {
        var info = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException("python3 did not start");
        var errors = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        var message = await errors;
        Assert.True(process.ExitCode == 0, $"python3 {string.Join(' ', args)} exited {process.ExitCode}: {message}");
    }

    /// <summary>The fixture faces at several sizes and strides: whole images, crops, scaled copies, a face-free image.</summary>
    private static ImageBatch FixtureBatch()
    {
        var astronaut = TestImage.Load(TestPaths.Fixture("astronaut.png"));
        var messi = TestImage.Load(TestPaths.Fixture("messi5.jpg"));
        var batch = new ImageBatch();
        batch.Add(astronaut);
        batch.Add(messi, new PixelRect(171, 41, 150, 150));
        batch.Add(Scaled(astronaut, 256, 256));
        batch.Add(TestImage.Uniform(640, 360, 128));
        batch.Add(astronaut, new PixelRect(97, 13, 301, 259));
        batch.Add(messi);
        batch.Add(Scaled(astronaut, 900, 640));
        batch.Add(astronaut.WithStridePadding(61));
        batch.Add(Scaled(messi, 1096, 684), new PixelRect(342, 82, 300, 300));
        return batch;
    }

    private static TestImage Scaled(TestImage image, int width, int height)
    {
        using var source = image.AsMat();
        using var scaled = new Mat();
        Cv2.Resize(source, scaled, new OpenCvSharp.Size(width, height), 0, 0, InterpolationFlags.Area);
        return TestImage.FromMat(scaled);
    }

    private static int AssertMatchesOneByOne(BlazeFaceDetector detector, ImageBatch batch, IReadOnlyList<DetectedFace>[] results)
    {
        var found = 0;
        for (var i = 0; i < batch.Count; i++)
        {
            var single = detector.Detect(batch.GetImage(i));
            AssertSameFaces(single, results[i], Tolerance, $"{detector.Name} image {i} ({batch.GetImage(i).Width}x{batch.GetImage(i).Height})");
            found += single.Count;
        }

        return found;
    }

    private static void AssertSameFaces(IReadOnlyList<DetectedFace> expected, IReadOnlyList<DetectedFace> actual, float tolerance, string what)
    {
        Assert.True(expected.Count == actual.Count, $"{what}: {expected.Count} faces one by one, {actual.Count} batched");
        for (var f = 0; f < expected.Count; f++)
        {
            var (e, a) = (expected[f], actual[f]);
            var worst = MathF.Max(
                MathF.Max(MathF.Abs(e.Box.X - a.Box.X), MathF.Abs(e.Box.Y - a.Box.Y)),
                MathF.Max(MathF.Abs(e.Box.Width - a.Box.Width), MathF.Abs(e.Box.Height - a.Box.Height)));
            Assert.True(worst <= tolerance, $"{what} face {f}: box {a.Box} is {worst:G3} px from {e.Box}");
            Assert.True(MathF.Abs(e.Score - a.Score) <= 1e-4f, $"{what} face {f}: score {a.Score} vs {e.Score}");
            Assert.Equal(e.Keypoints.Count, a.Keypoints.Count);
            for (var k = 0; k < e.Keypoints.Count; k++)
            {
                var d = MathF.Max(MathF.Abs(e.Keypoints[k].X - a.Keypoints[k].X), MathF.Abs(e.Keypoints[k].Y - a.Keypoints[k].Y));
                Assert.True(d <= tolerance, $"{what} face {f} keypoint {k}: {a.Keypoints[k]} is {d:G3} px from {e.Keypoints[k]}");
            }
        }
    }

    private BlazeFaceDetector Detector(string model) => model == "front" ? detectors.Front : detectors.Back;

    /// <summary>Test images (whole or a tile) handed to the detector as one batch.</summary>
    private sealed class ImageBatch : IBgrImageBatch
    {
        private readonly List<PixelRect?> _tiles = [];

        public List<TestImage> Images { get; } = [];

        public int Count => Images.Count;

        public void Add(TestImage image, PixelRect? tile = null)
        {
            Images.Add(image);
            _tiles.Add(tile);
        }

        public void AddFrom(ImageBatch other, int index) => Add(other.Images[index], other._tiles[index]);

        public BgrImage GetImage(int index) => _tiles[index] is { } tile ? Images[index].View.Crop(tile) : Images[index].View;
    }
}
