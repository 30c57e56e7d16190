// Copyright (c) PainStream contributors. Licensed under the MIT License.

using BenchmarkDotNet.Attributes;
using PainStream.Core.Detection;
using PainStream.Core.Options;
using PainStream.Scoring;
using PainStream.Vision.Alignment;

namespace PainStream.Benchmarks;

/// <summary>
/// The geometric pain scorer on one face, after analysis: the demo scene's face in the full grimace scored against the
/// neutral baseline the patient scorer learnt from the neutral frame (a full 300-sample window, the daemon's default
/// <c>Scoring</c> settings). One operation is one face.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><description><c>AuProxiesFromLandmarks</c>: <c>AuProxies.TryFromLandmarks</c>, the six distance ratios from 68 landmarks.</description></item>
/// <item><description><c>PspiScore</c>: <c>GeometricPspiScorer.Score</c> of those proxies against the baseline, with the head pose.</description></item>
/// <item><description><c>PatientScore</c>: <c>GeometricPatientScorer.Score</c> as the patient stage calls it during an episode
/// (no baseline learning): quality check, proxies, pose gate, score, blink filter, <c>ScoreSample</c>.</description></item>
/// <item><description><c>PatientScoreLearning</c>: the same on the neutral face with learning allowed, frames 200 ms apart
/// (5 fps): every fifth call adds a baseline sample and recomputes the baseline (a percentile of each of 7 fields over the
/// 300-sample window: 7 sorts of 300 floats), so this is the amortised per-frame cost while the patient is calm.</description></item>
/// </list>
/// </remarks>
public class ScoringBenchmarks
{
    private static readonly TimeSpan FrameInterval = TimeSpan.FromMilliseconds(200);

    private readonly GeometricPspiScorer _scorer = new();
    private PointF[] _landmarks = [];
    private AuProxies _proxies;
    private NeutralBaseline _baseline;
    private HeadPose _pose;
    private FaceAnalysis _grimace = null!;
    private FaceAnalysis _neutral = null!;
    private GeometricPatientScorer _patient = null!;
    private GeometricPatientScorer _learning = null!;
    private DateTimeOffset _ts = new(2026, 11, 23, 8, 0, 0, TimeSpan.Zero);

    [GlobalSetup]
    public void Setup()
    {
        var fixtures = FaceFixtures.Instance;
        var estimator = new HeadPoseEstimator();
        _landmarks = fixtures.GrimaceLandmarks;
        _proxies = AuProxies.FromLandmarks(_landmarks);
        _grimace = Analysis(fixtures.GrimaceLandmarks, fixtures, estimator);
        _neutral = Analysis(fixtures.NeutralLandmarks, fixtures, estimator);
        var p = _grimace.Pose!.Value;
        _pose = new HeadPose(p.Yaw, p.Pitch);

        _patient = LearntPatient();
        _learning = LearntPatient();
        _baseline = new NeutralBaseline(_patient.Learner.GetPercentile(_patient.Learner.Options.NeutralPercentile));
        var estimate = _patient.Estimate(_grimace, _ts, learnBaseline: false);
        if (!estimate.IsScorable || !(estimate.Pspi > 0))
        {
            throw new InvalidOperationException($"The grimace should score above 0 against the neutral baseline: {estimate}.");
        }
    }

    [Benchmark]
    public float AuProxiesFromLandmarks() => AuProxies.TryFromLandmarks(_landmarks, out var proxies) ? proxies.LidAperture : float.NaN;

    [Benchmark]
    public float PspiScore() => _scorer.Score(in _proxies, in _baseline, _pose).Pspi;

    [Benchmark]
    public double PatientScore()
    {
        _ts += FrameInterval;
        return _patient.Score(_grimace, _ts, learnBaseline: false).Pspi;
    }

    [Benchmark]
    public double PatientScoreLearning()
    {
        _ts += FrameInterval;
        return _learning.Score(_neutral, _ts, learnBaseline: true).Pspi;
    }

    private static FaceAnalysis Analysis(PointF[] landmarks, FaceFixtures fixtures, HeadPoseEstimator estimator)
    {
        FacePose? pose = estimator.TryEstimate(landmarks, fixtures.Width, fixtures.Height, out var e) ? new FacePose(e.YawDegrees, e.PitchDegrees, e.RollDegrees) : null;
        return new FaceAnalysis(fixtures.Face.Box, fixtures.Face.Score, landmarks, pose, null);
    }

    private GeometricPatientScorer LearntPatient()
    {
        // The daemon's factory and defaults; a full window (BaselineWindowSeconds of samples), as after five calm minutes.
        var options = new ScoringOptions();
        var patient = PatientScorers.Create(_scorer, options);
        var ts = _ts - TimeSpan.FromSeconds(options.BaselineWindowSeconds + 1);
        for (var i = 0; i < options.BaselineWindowSeconds; i++)
        {
            ts += TimeSpan.FromSeconds(options.BaselineSampleSeconds);
            patient.Score(_neutral, ts, learnBaseline: true);
        }

        if (!patient.IsReady || patient.Learner.Count != patient.Learner.Options.Capacity)
        {
            throw new InvalidOperationException($"The baseline window should be full: {patient.Learner.Count} of {patient.Learner.Options.Capacity}.");
        }

        return patient;
    }
}
