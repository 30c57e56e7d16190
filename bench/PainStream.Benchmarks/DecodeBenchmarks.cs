// Copyright (c) PainStream contributors. Licensed under the MIT License.

using BenchmarkDotNet.Attributes;
using PainStream.Vision.Detection;

namespace PainStream.Benchmarks;

/// <summary>
/// BlazeFace post-processing per frame: sigmoid + anchor-relative decoding of all 896 anchors, then weighted NMS, with the
/// daemon's default thresholds (score 0.6, IoU 0.3, at most 8 faces). One operation is one frame.
/// </summary>
/// <remarks>
/// <c>astronaut</c> is the real output of the back (256) model on the one-face 640x360 fixture (the front model finds no face
/// there without a region of interest); <c>synthetic-5-faces</c> is a front (128) model output with five
/// separate faces each lit on 12 neighbouring anchors, which is more merging work than a ward camera normally sees.
/// </remarks>
public class DecodeBenchmarks
{
    private const float MinScore = 0.6f;
    private const float NmsIoU = 0.3f;
    private const int MaxFaces = 8;

    private float[] _scores = [];
    private float[] _regressors = [];
    private float[] _anchors = [];
    private FaceCandidate[] _candidates = [];
    private FaceCandidate[] _kept = [];
    private int _inputSize;

    [Params("astronaut", "synthetic-5-faces")]
    public string Output { get; set; } = "astronaut";

    [GlobalSetup]
    public void Setup()
    {
        var model = Output == "astronaut" ? BlazeFaceModel.Back : BlazeFaceModel.Front;
        _inputSize = model.InputSize;
        _anchors = model.GenerateAnchors();
        var anchorCount = _anchors.Length / 2;
        (_scores, _regressors) = Output == "astronaut"
            ? VisionFixtures.RawOutputs(model, VisionFixtures.AstronautFrame())
            : Synthetic(anchorCount, model.InputSize);
        _candidates = new FaceCandidate[anchorCount];
        _kept = new FaceCandidate[MaxFaces];

        var faces = DecodeAndSuppress();
        var expected = Output == "astronaut" ? 1 : 5;
        if (faces != expected)
        {
            throw new InvalidOperationException($"Expected {expected} face(s) from the {Output} output, decoded {faces}.");
        }
    }

    [Benchmark]
    public int DecodeAndSuppress()
    {
        var count = BlazeFaceDecoder.Decode(_scores, _regressors, _anchors, _inputSize, MinScore, _candidates);
        return BlazeFaceDecoder.WeightedNonMaxSuppression(_candidates.AsSpan(0, count), NmsIoU, _kept);
    }

    [Benchmark]
    public int DecodeOnly() =>
        BlazeFaceDecoder.Decode(_scores, _regressors, _anchors, _inputSize, MinScore, _candidates);

    private static (float[] Scores, float[] Regressors) Synthetic(int anchorCount, int inputSize)
    {
        var random = new Random(7);
        var scores = new float[anchorCount];
        var regressors = new float[anchorCount * BlazeFaceDecoder.RegressorLength];
        for (var i = 0; i < scores.Length; i++)
        {
            scores[i] = -6f + (float)random.NextDouble(); // sigmoid ~0.002: background
        }

        // Five faces far apart on the 16x16 map (anchors 0..511, 2 per cell), each seen by 12 anchors: 6 cells x 2.
        ReadOnlySpan<(int Col, int Row)> faces = [(2, 2), (12, 2), (7, 7), (2, 12), (12, 12)];
        foreach (var (col, row) in faces)
        {
            for (var dy = 0; dy < 2; dy++)
            {
                for (var dx = 0; dx < 3; dx++)
                {
                    for (var a = 0; a < 2; a++)
                    {
                        var anchor = ((((row + dy) * 16) + col + dx) * 2) + a;
                        scores[anchor] = 2f + (float)random.NextDouble();

                        // Box centred on the face (offset from this anchor's cell back to the face's cell), 24 px wide.
                        var r = regressors.AsSpan(anchor * BlazeFaceDecoder.RegressorLength, BlazeFaceDecoder.RegressorLength);
                        r[0] = -dx * (inputSize / 16f);
                        r[1] = -dy * (inputSize / 16f);
                        r[2] = 24f + (float)random.NextDouble();
                        r[3] = 24f + (float)random.NextDouble();
                        for (var k = 4; k < r.Length; k++)
                        {
                            r[k] = (float)((random.NextDouble() * 16) - 8);
                        }
                    }
                }
            }
        }

        return (scores, regressors);
    }
}
