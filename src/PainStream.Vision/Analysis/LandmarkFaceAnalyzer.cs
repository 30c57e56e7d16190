// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Detection;
using PainStream.Core.Frames;
using PainStream.Core.Options;
using PainStream.Core.Scoring;
using PainStream.Vision.Alignment;
using PainStream.Vision.Landmarks;

namespace PainStream.Vision.Analysis;

/// <summary>
/// Frame-level face analysis: dlib's 68 landmarks (the shared, read-only <see cref="ShapePredictor"/>), the plausibility
/// check (<see cref="FacePlausibility"/>: a detection that is not a face is reported with <see cref="FaceAnalysis.NotAFace"/>),
/// alignment to the canonical template, head pose and the quality gate. One instance per detect worker (the aligner owns its crop buffer).
/// A face followed from the previous frame (<see cref="DetectedFace.PriorLandmarks"/>) may run only the predictor's first
/// cascades (<c>Detection:FollowCascades</c>, issue 14). Each aligned face carries the grey signature of its inner face
/// (<see cref="FaceAnalysis.Signature"/>), by which the follower sees a followed box that slid onto background.
/// </summary>
/// <remarks>
/// <b>Crops for learned scorers.</b> The aligned crop lives in the aligner's buffer only until the next face, and the frame
/// goes back to its pool when detection ends, so a learned scorer must get the crop here. For a face that passes the quality
/// gate on a camera whose scorer is a learned model (<see cref="IFaceCropScorer.Scores"/>), the crop is submitted at once:
/// the batch scorer copies its 37,632 bytes into a pooled buffer and queues it; the result travels with the analysis
/// (<see cref="FaceAnalysis.CropScore"/>) and the patient stage awaits it. The detect worker never waits for the model, so
/// faces of many cameras and frames meet in one batch. Re-aligning later from the frame would need the frame to outlive
/// detection; carrying the crop itself in the analysis would need a pooled buffer whose return depends on every observation
/// reaching the patient stage. Submitting here keeps one owner per buffer and the same crop the model was trained on.
/// </remarks>
public sealed class LandmarkFaceAnalyzer : IFaceAnalyzer
{
    private readonly ShapePredictor _predictor;
    private readonly FaceAligner _aligner;
    private readonly HeadPoseEstimator _pose = new();
    private readonly FacePlausibility _plausibility;
    private readonly Func<FaceQualityOptions> _quality;
    private readonly IFaceCropScorer? _crops;
    private readonly int _followCascades;
    private FaceQualityOptions? _gateOptions;
    private FaceQualityGate? _gate;

    /// <summary>Initializes a new instance of the <see cref="LandmarkFaceAnalyzer"/> class.</summary>
    /// <param name="predictor">The shared shape predictor.</param>
    /// <param name="template">The alignment template (shared, read-only).</param>
    /// <param name="quality">The current quality settings (read per frame, so a hot reload applies at once).</param>
    /// <param name="crops">Receives the aligned crops of scorable faces on cameras with a learned scorer, or <see langword="null"/>.</param>
    /// <param name="followCascades">
    /// <c>Detection:FollowCascades</c>: for a followed face (one with <see cref="DetectedFace.PriorLandmarks"/>), the predictor
    /// runs only this many of its first cascades (<see cref="ShapePredictor.Predict(FrameImage, BoxF, int, Span{PointF})"/>);
    /// <see langword="null"/> or the model's cascade count runs them all, as for a detection.
    /// </param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="followCascades"/> is outside 1 to the model's cascade count.</exception>
    public LandmarkFaceAnalyzer(ShapePredictor predictor, FaceTemplate template, Func<FaceQualityOptions> quality, IFaceCropScorer? crops = null, int? followCascades = null)
    {
        _crops = crops;
        ArgumentNullException.ThrowIfNull(predictor);
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(quality);
        var cascades = predictor.Model.CascadeCount;
        if (followCascades is { } k && (k < 1 || k > cascades))
        {
            throw new ArgumentOutOfRangeException(
                nameof(followCascades), k, $"Detection:FollowCascades must be 1 to {cascades} (the cascade count of '{predictor.Model.Path}').");
        }

        _followCascades = followCascades ?? cascades;
        _predictor = predictor;
        _aligner = new FaceAligner(template);
        _plausibility = new FacePlausibility(template);
        _quality = quality;
    }

    /// <summary>
    /// Gets a value indicating whether a followed face starts the predictor from its previous landmarks and runs the last
    /// <c>FollowCascades</c> stages (<see cref="ShapePredictor.PredictFrom"/>) instead of the first ones from the mean face.
    /// Measured and rejected (it lags a moving face); kept for the drift benchmark's <c>--follow-start previous</c>.
    /// </summary>
    internal bool FollowFromPrevious { get; init; }

    /// <inheritdoc/>
    public IReadOnlyList<FaceAnalysis> Analyze(BgrImage image, IReadOnlyList<DetectedFace> faces) => Analyze(null, image, faces);

    /// <inheritdoc/>
    public IReadOnlyList<FaceAnalysis> Analyze(CameraId camera, BgrImage image, IReadOnlyList<DetectedFace> faces) =>
        Analyze((CameraId?)camera, image, faces);

    /// <inheritdoc/>
    public IReadOnlyList<FaceAnalysis> Analyze(CameraId camera, FrameImage image, IReadOnlyList<DetectedFace> faces) =>
        Analyze((CameraId?)camera, image, faces);

    private FaceAnalysis[] Analyze(CameraId? camera, FrameImage image, IReadOnlyList<DetectedFace> faces)
    {
        ArgumentNullException.ThrowIfNull(faces);
        if (faces.Count == 0)
        {
            return [];
        }

        var gate = CurrentGate();
        var learned = camera is { } c && _crops is not null && _crops.Scores(c);
        var result = new FaceAnalysis[faces.Count];
        for (var i = 0; i < faces.Count; i++)
        {
            var face = faces[i];
            var landmarks = new PointF[_predictor.LandmarkCount];
            if (face.PriorLandmarks is { } prior && _followCascades < _predictor.Model.CascadeCount)
            {
                if (FollowFromPrevious && prior.Length >= landmarks.Length)
                {
                    _predictor.PredictFrom(image, face.Box, prior, _followCascades, landmarks);
                }
                else
                {
                    _predictor.Predict(image, face.Box, _followCascades, landmarks);
                }
            }
            else
            {
                _predictor.Predict(image, face.Box, landmarks);
            }

            HeadPoseEstimate? pose = _pose.TryEstimate(landmarks, image.Width, image.Height, out var estimate) ? estimate : null;
            FacePose? reported = pose is { } e ? new FacePose(e.YawDegrees, e.PitchDegrees, e.RollDegrees) : null;
            if (!_plausibility.Evaluate(landmarks, face).IsFace)
            {
                // Noise, a fractal, a pattern: never aligned, gated, scored or handed to a learned model.
                result[i] = new FaceAnalysis(face.Box, face.Score, landmarks, reported, FaceAnalysis.NotAFace);
                continue;
            }

            var aligned = _aligner.Align(image, landmarks);
            var quality = gate.Evaluate(aligned, pose);
            var crop = quality.IsOk && learned ? _crops!.Submit(camera!.Value, aligned.Image) : null;
            result[i] = new FaceAnalysis(face.Box, face.Score, landmarks, reported, quality.IsOk ? null : quality.Reason)
            {
                CropScore = crop,
                Signature = FaceSignature.Compute(aligned.Image, FaceQualityGate.MeasurementRegion(aligned.Image.Width)),
            };
        }

        return result;
    }

    private FaceQualityGate CurrentGate()
    {
        var options = _quality();
        if (!ReferenceEquals(options, _gateOptions) || _gate is null)
        {
            _gate = new FaceQualityGate(options);
            _gateOptions = options;
        }

        return _gate;
    }
}
