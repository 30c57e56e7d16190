// Copyright (c) PainStream contributors. Licensed under the MIT License.

using BenchmarkDotNet.Attributes;
using PainStream.Core.Detection;
using PainStream.Vision.Detection;

namespace PainStream.Benchmarks;

/// <summary>
/// One full <see cref="BlazeFaceDetector.Detect"/> call on a 640x360 frame with one face (the astronaut): letterbox and
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
