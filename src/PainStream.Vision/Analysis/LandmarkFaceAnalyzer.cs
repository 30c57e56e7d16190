// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Detection;
using PainStream.Core.Options;
using PainStream.Vision.Alignment;
using PainStream.Vision.Landmarks;

namespace PainStream.Vision.Analysis;

/// <summary>
/// Frame-level face analysis: dlib's 68 landmarks (the shared, read-only <see cref="ShapePredictor"/>), alignment to the
/// canonical template, head pose and the quality gate. One instance per detect worker (the aligner owns its crop buffer).
/// </summary>
public sealed class LandmarkFaceAnalyzer : IFaceAnalyzer
{
    private readonly ShapePredictor _predictor;
    private readonly FaceAligner _aligner;
    private readonly HeadPoseEstimator _pose = new();
    private readonly Func<FaceQualityOptions> _quality;
    private FaceQualityOptions? _gateOptions;
    private FaceQualityGate? _gate;

    /// <summary>Initializes a new instance of the <see cref="LandmarkFaceAnalyzer"/> class.</summary>
    /// <param name="predictor">The shared shape predictor.</param>
    /// <param name="template">The alignment template (shared, read-only).</param>
    /// <param name="quality">The current quality settings (read per frame, so a hot reload applies at once).</param>
    public LandmarkFaceAnalyzer(ShapePredictor predictor, FaceTemplate template, Func<FaceQualityOptions> quality)
    {
        ArgumentNullException.ThrowIfNull(predictor);
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(quality);
        _predictor = predictor;
        _aligner = new FaceAligner(template);
        _quality = quality;
    }

    /// <summary>Creates an analyser with the default template size and quality settings.</summary>
    /// <param name="predictor">The shape predictor.</param>
    /// <returns>The analyser.</returns>
    public static LandmarkFaceAnalyzer CreateDefault(ShapePredictor predictor)
    {
        ArgumentNullException.ThrowIfNull(predictor);
        var options = new FaceQualityOptions();
        return new LandmarkFaceAnalyzer(predictor, FaceTemplate.FromModel(predictor.Model, FaceAligner.DefaultSize), () => options);
    }

    /// <inheritdoc/>
    public IReadOnlyList<FaceAnalysis> Analyze(BgrImage image, IReadOnlyList<DetectedFace> faces)
    {
        ArgumentNullException.ThrowIfNull(faces);
        if (faces.Count == 0)
        {
            return [];
        }

        var gate = CurrentGate();
        var result = new FaceAnalysis[faces.Count];
        for (var i = 0; i < faces.Count; i++)
        {
            var face = faces[i];
            var landmarks = new PointF[_predictor.LandmarkCount];
            _predictor.Predict(image, face.Box, landmarks);
            HeadPoseEstimate? pose = _pose.TryEstimate(landmarks, image.Width, image.Height, out var estimate) ? estimate : null;
            var aligned = _aligner.Align(image, landmarks);
            var quality = gate.Evaluate(aligned, pose);
            FacePose? facePose = pose is { } p ? new FacePose(p.YawDegrees, p.PitchDegrees, p.RollDegrees) : null;
            result[i] = new FaceAnalysis(face.Box, face.Score, landmarks, facePose, quality.IsOk ? null : quality.Reason);
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
