// Copyright (c) PainStream contributors. Licensed under the MIT License.

using BenchmarkDotNet.Attributes;
using PainStream.Core.Detection;
using PainStream.Core.Options;
using PainStream.Vision.Alignment;
using PainStream.Vision.Analysis;

namespace PainStream.Benchmarks;

/// <summary>
/// The per-face analysis the detect workers run after detection, step by step and as a whole, on the demo scene's
/// neutral 640x360 frame (<see cref="FaceFixtures"/>) with the box BlazeFace front 128 finds on it. One operation is one face.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><description><c>Landmarks</c>: <c>ShapePredictor.Predict</c> in that box (the same work as <c>LandmarkBenchmarks.Predict</c>,
/// on the daemon's frame rather than the 512x512 source image).</description></item>
/// <item><description><c>Align</c>: <c>FaceAligner.Align</c>, the eye-landmark similarity fit and <c>cv::warpAffine</c> into the 112-pixel crop.</description></item>
/// <item><description><c>HeadPose</c>: <c>HeadPoseEstimator.TryEstimate</c>, <c>cv::solvePnP</c> (SQPnP) on 12 landmarks.</description></item>
/// <item><description><c>QualityGate</c>: <c>FaceQualityGate.Evaluate</c> on the aligned crop (grey, mean, clipped, variance of the Laplacian).</description></item>
/// <item><description><c>Analyze</c>: <c>LandmarkFaceAnalyzer.Analyze</c> for one face, all of the above plus the result the
/// <c>IFaceAnalyzer</c> contract returns (a <c>FaceAnalysis</c> per face, with its own 68-point array).</description></item>
/// </list>
/// </remarks>
public class FaceAnalysisBenchmarks
{
    private readonly PointF[] _landmarks = new PointF[68];
    private FaceFixtures _fixtures = null!;
    private FaceAligner _aligner = null!;
    private HeadPoseEstimator _pose = null!;
    private FaceQualityGate _gate = null!;
    private LandmarkFaceAnalyzer _analyzer = null!;
    private DetectedFace[] _faces = [];
    private HeadPoseEstimate _estimate;
    private byte[] _crop = [];
    private float _interOcular;

    [GlobalSetup]
    public void Setup()
    {
        _fixtures = FaceFixtures.Instance;
        _aligner = new FaceAligner(_fixtures.Template);
        _pose = new HeadPoseEstimator();
        _gate = new FaceQualityGate(new FaceQualityOptions());
        _analyzer = _fixtures.CreateAnalyzer();
        _faces = [_fixtures.Face];
        _fixtures.NeutralLandmarks.CopyTo(_landmarks, 0);
        if (!_pose.TryEstimate(_landmarks, _fixtures.Width, _fixtures.Height, out _estimate))
        {
            throw new InvalidOperationException("No head pose on the demo frame.");
        }

        // The gate must pass, so that every check runs (the first failing check is the reason, the image is measured anyway).
        var aligned = _aligner.Align(_fixtures.Neutral, _landmarks);
        _crop = aligned.Image.Data.ToArray();
        _interOcular = aligned.InterOcularPixels;
        var quality = _gate.Evaluate(aligned, _estimate);
        if (!quality.IsOk || _analyzer.Analyze(_fixtures.Neutral, _faces)[0].QualityIssue is { } issue)
        {
            throw new InvalidOperationException($"The demo face should pass the quality gate: {quality.Reason}.");
        }
    }

    [Benchmark]
    public float Landmarks()
    {
        _fixtures.Predictor.Predict(_fixtures.Neutral, _fixtures.Face.Box, _landmarks);
        return _landmarks[30].X;
    }

    [Benchmark]
    public float Align() => _aligner.Align(_fixtures.Neutral, _landmarks).LeftEye.X;

    [Benchmark]
    public float HeadPose() => _pose.TryEstimate(_landmarks, _fixtures.Width, _fixtures.Height, out var pose) ? pose.YawDegrees : float.NaN;

    [Benchmark]
    public float QualityGate()
    {
        var size = _fixtures.Template.Size;
        return _gate.Evaluate(new BgrImage(_crop, size, size, size * 3), _estimate, _interOcular).Sharpness;
    }

    [Benchmark]
    public int Analyze() => _analyzer.Analyze(_fixtures.Neutral, _faces).Count;
}
