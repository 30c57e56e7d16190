// Copyright (c) PainStream contributors. Licensed under the MIT License.

using BenchmarkDotNet.Attributes;
using PainStream.Core.Detection;
using PainStream.Vision.Detection;

namespace PainStream.Benchmarks;

/// <summary>
/// One full <see cref="BlazeFaceDetector.Detect(BgrImage)"/> call on a 640x360 frame with one face (the astronaut): letterbox and
/// tensor prep, the ONNX Runtime run on one CPU thread, anchor decode, weighted NMS and the result list. One operation is one
/// frame.
/// </summary>
/// <remarks>
/// <c>front-128</c> on the whole frame finds no face (the astronaut's face is about a fifth of the 128-pixel input, too small
/// for the short-range model), so it measures the fixed cost of a call; <c>front-128-roi</c> runs it on a 360x360 region of
/// interest around the bed (the astronaut), as a camera with a configured <c>Region</c> does, and finds the face;
/// <c>back-256</c> finds it on the whole frame.
/// The result (<see cref="DetectedFace"/> records with their keypoint arrays) is the one allocation the detector's contract
/// requires; the budget allows for one face.
/// </remarks>
public class DetectBenchmarks
{
    private BlazeFaceDetector _detector = null!;
    private byte[] _frame = [];
    private PixelRect? _region;
    private int _expectedFaces;

    [Params("front-128", "front-128-roi", "back-256")]
    public string Model { get; set; } = "front-128";

    [GlobalSetup]
    public void Setup()
    {
        _frame = VisionFixtures.AstronautFrame();
        _detector = VisionFixtures.CreateDetector(Model == "back-256" ? BlazeFaceModel.Back : BlazeFaceModel.Front);
        _region = Model == "front-128-roi" ? new PixelRect((VisionFixtures.FrameWidth - VisionFixtures.FrameHeight) / 2, 0, VisionFixtures.FrameHeight, VisionFixtures.FrameHeight) : null;
        _expectedFaces = Model == "front-128" ? 0 : 1;

        // The fixture is only meaningful if the detector finds what it should.
        var faces = Detect();
        if (faces != _expectedFaces)
        {
            throw new InvalidOperationException($"Expected {_expectedFaces} face(s) on the astronaut frame with {Model}, found {faces}.");
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _detector.Dispose();

    [Benchmark]
    public int Detect()
    {
        var image = new BgrImage(_frame, VisionFixtures.FrameWidth, VisionFixtures.FrameHeight, VisionFixtures.FrameWidth * 3);
        return _detector.Detect(_region is { } r ? image.Crop(r) : image).Count;
    }
}

/// <summary>
/// <see cref="BlazeFaceDetector.DetectBatch"/> (issue 14 item 2): 16 images (the astronaut frame, one face each) detected
/// in runs of <see cref="Batch"/> images. One operation is one image, so the columns read as time and bytes per image and
/// the rows compare batch sizes directly; <c>Batch=1</c> is the detect stage's cost before batching (one run per image).
/// </summary>
/// <remarks>
/// <c>front-128</c> runs on the 360x360 bed region (where it finds the face, as in <see cref="DetectBenchmarks"/>'s
/// <c>front-128-roi</c>), <c>back-256</c> on the whole 640x360 frame. ONNX Runtime runs on one intra-op thread, as the
/// daemon's default <c>Detection:IntraOpThreads</c>.
/// </remarks>
public class DetectBatchBenchmarks
{
    private const int Images = 16;

    private BlazeFaceDetector _detector = null!;
    private FrameBatch _batch = null!;
    private IReadOnlyList<DetectedFace>[] _results = [];

    [Params("front-128", "back-256")]
    public string Model { get; set; } = "front-128";

    [Params(1, 2, 4, 8, 16)]
    public int Batch { get; set; } = 1;

    [GlobalSetup]
    public void Setup()
    {
        var frame = VisionFixtures.AstronautFrame();
        _detector = VisionFixtures.CreateDetector(Model == "back-256" ? BlazeFaceModel.Back : BlazeFaceModel.Front);
        var region = Model == "front-128" ? new PixelRect((VisionFixtures.FrameWidth - VisionFixtures.FrameHeight) / 2, 0, VisionFixtures.FrameHeight, VisionFixtures.FrameHeight) : (PixelRect?)null;
        _batch = new FrameBatch(frame, region, Batch);
        _results = new IReadOnlyList<DetectedFace>[Batch];

        // The fixture is only meaningful if the detector finds what it should, in every slot.
        var faces = DetectBatch();
        if (faces != Images)
        {
            throw new InvalidOperationException($"Expected one face per image with {Model} in batches of {Batch}, found {faces} in {Images} images.");
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _detector.Dispose();

    [Benchmark(OperationsPerInvoke = Images)]
    public int DetectBatch()
    {
        var faces = 0;
        for (var done = 0; done < Images; done += Batch)
        {
            _detector.DetectBatch(_batch, _results);
            for (var i = 0; i < _results.Length; i++)
            {
                faces += _results[i].Count;
            }
        }

        return faces;
    }

    /// <summary>The same frame (or its bed region) in every slot.</summary>
    private sealed class FrameBatch(byte[] frame, PixelRect? region, int count) : IBgrImageBatch
    {
        public int Count => count;

        public BgrImage GetImage(int index)
        {
            var image = new BgrImage(frame, VisionFixtures.FrameWidth, VisionFixtures.FrameHeight, VisionFixtures.FrameWidth * 3);
            return region is { } r ? image.Crop(r) : image;
        }
    }
}

/// <summary>
/// The npm graph (batch fixed at 1) against its batch-dynamic copy (<c>models/blazeface-dynamic-batch.py</c>: channel
/// Concat → Pad, symbolic batch) on one image per run: what the rewrite costs a detection that is not batched. One
/// operation is one image, as in <see cref="DetectBatchBenchmarks"/>.
/// </summary>
public class DetectGraphBenchmarks
{
    private BlazeFaceDetector _detector = null!;
    private byte[] _frame = [];
    private PixelRect? _region;

    [Params("front-128", "back-256")]
    public string Model { get; set; } = "front-128";

    [Params("npm", "batch")]
    public string Graph { get; set; } = "batch";

    [GlobalSetup]
    public void Setup()
    {
        _frame = VisionFixtures.AstronautFrame();
        var layout = Model == "back-256" ? BlazeFaceModel.Back : BlazeFaceModel.Front;
        _detector = new BlazeFaceDetector(
            layout,
            Graph == "npm" ? layout.FixedBatchRelativePath : layout.RelativePath,
            VisionFixtures.ModelsDirectory,
            VisionFixtures.CpuOptions(),
            Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        _region = Model == "front-128" ? new PixelRect((VisionFixtures.FrameWidth - VisionFixtures.FrameHeight) / 2, 0, VisionFixtures.FrameHeight, VisionFixtures.FrameHeight) : null;
        if (Detect() != 1)
        {
            throw new InvalidOperationException($"Expected one face on the astronaut frame with {Model} ({Graph} graph).");
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _detector.Dispose();

    [Benchmark]
    public int Detect()
    {
        var image = new BgrImage(_frame, VisionFixtures.FrameWidth, VisionFixtures.FrameHeight, VisionFixtures.FrameWidth * 3);
        return _detector.Detect(_region is { } r ? image.Crop(r) : image).Count;
    }
}
