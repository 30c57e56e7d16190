// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Detection;
using PainStream.Vision.Landmarks;

namespace PainStream.Vision.Analysis;

/// <summary>
/// Frame-level face analysis: dlib's 68 landmarks for each detected face (the shared, read-only
/// <see cref="ShapePredictor"/>). One instance per detect worker.
/// </summary>
public sealed class LandmarkFaceAnalyzer : IFaceAnalyzer
{
    private readonly ShapePredictor _predictor;

    /// <summary>Initializes a new instance of the <see cref="LandmarkFaceAnalyzer"/> class.</summary>
    /// <param name="predictor">The shared shape predictor.</param>
    public LandmarkFaceAnalyzer(ShapePredictor predictor)
    {
        ArgumentNullException.ThrowIfNull(predictor);
        _predictor = predictor;
    }

    /// <inheritdoc/>
    public IReadOnlyList<FaceAnalysis> Analyze(BgrImage image, IReadOnlyList<DetectedFace> faces)
    {
        ArgumentNullException.ThrowIfNull(faces);
        if (faces.Count == 0)
        {
            return [];
        }

        var result = new FaceAnalysis[faces.Count];
        for (var i = 0; i < faces.Count; i++)
        {
            var face = faces[i];
            var landmarks = new PointF[_predictor.LandmarkCount];
            _predictor.Predict(image, face.Box, landmarks);
            result[i] = new FaceAnalysis(face.Box, face.Score, landmarks, Pose: null, QualityIssue: null);
        }

        return result;
    }
}
