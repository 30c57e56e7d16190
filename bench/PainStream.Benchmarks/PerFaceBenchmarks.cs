// Copyright (c) PainStream contributors. Licensed under the MIT License.

using BenchmarkDotNet.Attributes;
using PainStream.Core.Alerting;
using PainStream.Core.Detection;
using PainStream.Core.Frames;
using PainStream.Core.Options;
using PainStream.Scoring;
using PainStream.Vision.Analysis;
using PainStream.Vision.Detection;

namespace PainStream.Benchmarks;

/// <summary>
/// Everything the daemon does for one face in one frame, on one thread: BlazeFace front 128 detection, the landmark
/// analysis (<see cref="LandmarkFaceAnalyzer"/>: landmarks, alignment, head pose, quality gate), the patient's geometric
/// score against a learnt baseline, and the smoothing and alert state machine step. On the demo scene's neutral frame
/// (<see cref="FaceFixtures"/>), frames 200 ms apart, baseline learning allowed (the calm steady state). One operation is
/// one frame with one face.
/// </summary>
/// <remarks>
/// <c>front-128</c> detects on the whole 640x360 frame (the demo camera, no region configured); <c>front-128-roi</c> on a
/// 360x360 region of interest around the face, with the faces moved back to frame coordinates as the detect stage does
/// (a new <see cref="DetectedFace"/> and keypoint array per face). Not included: the frame copy from ffmpeg, channel hops,
/// bed assignment and the (throttled) score message.
/// </remarks>
public class PerFaceBenchmarks
{
    private static readonly TimeSpan FrameInterval = TimeSpan.FromMilliseconds(200);

    private FaceFixtures _fixtures = null!;
    private BlazeFaceDetector _detector = null!;
    private LandmarkFaceAnalyzer _analyzer = null!;
    private GeometricPatientScorer _scorer = null!;
    private PatientAlertMachine _machine = null!;
    private PixelRect? _region;
    private DateTimeOffset _ts = new(2026, 11, 23, 8, 0, 0, TimeSpan.Zero);

    [Params("front-128", "front-128-roi")]
    public string Model { get; set; } = "front-128";

    [GlobalSetup]
    public void Setup()
    {
        _fixtures = FaceFixtures.Instance;
        _detector = VisionFixtures.CreateDetector(BlazeFaceModel.Front);
        _analyzer = _fixtures.CreateAnalyzer();
        _region = Model == "front-128-roi" ? _fixtures.Region : null;
        _scorer = PatientScorers.Create(new GeometricPspiScorer(), new ScoringOptions());
        _machine = new PatientAlertMachine(new CameraId("bench"), "bed", new AlertingOptions().Resolve());

        // Learn a baseline (BaselineMinSeconds of frames at 5 fps), so the operation scores rather than "learning baseline".
        for (var i = 0; i < 100; i++)
        {
            PerFace();
        }

        var analysis = Analyze();
        var sample = _scorer.Score(analysis[0], _ts, learnBaseline: false);
        if (analysis.Count != 1 || analysis[0].QualityIssue is not null || !sample.IsScorable)
        {
            throw new InvalidOperationException($"Expected one scorable face on the demo frame with {Model}: {analysis.Count} face(s), {sample}.");
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _detector.Dispose();

    [Benchmark]
    public double PerFace()
    {
        _ts += FrameInterval;
        var analyses = Analyze();
        var sample = _scorer.Score(analyses[0], _ts, learnBaseline: _machine.State == PainAlertState.Idle);
        return _machine.Step(sample, _ts).Count + sample.Pspi;
    }

    private IReadOnlyList<FaceAnalysis> Analyze()
    {
        var frame = _fixtures.Neutral;
        return _analyzer.Analyze(frame, _region is { } r ? Shift(_detector.Detect(frame.Crop(r)), r) : _detector.Detect(frame));
    }

    // As DetectStage.DetectInRegion: boxes and keypoints back in frame coordinates.
    private static DetectedFace[] Shift(IReadOnlyList<DetectedFace> found, PixelRect rect)
    {
        var shifted = new DetectedFace[found.Count];
        for (var i = 0; i < found.Count; i++)
        {
            var face = found[i];
            var points = new PointF[face.Keypoints.Count];
            for (var k = 0; k < points.Length; k++)
            {
                points[k] = new PointF(face.Keypoints[k].X + rect.X, face.Keypoints[k].Y + rect.Y);
            }

            shifted[i] = face with { Box = face.Box.Offset(rect.X, rect.Y), Keypoints = points };
        }

        return shifted;
    }
}
