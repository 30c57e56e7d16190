// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Detection;

namespace PainStream.Tools.Evaluation;

/// <summary>One aligned face as the evaluation hands it to a <see cref="ICropScorer"/>.</summary>
/// <param name="Pixels">The aligned crop, BGR24, <paramref name="Size"/> × <paramref name="Size"/> (docs/model-contract.md: <c>painstream-112</c>).</param>
/// <param name="Size">The crop's side in pixels (112).</param>
/// <param name="Landmarks">The face's 68 landmarks in crop coordinates (what the face path found; a geometric scorer reads them, a CNN the pixels).</param>
/// <param name="Subject">The subject id (a scorer that needs a per-subject neutral baseline keys it by this).</param>
public sealed record FaceCrop(byte[] Pixels, int Size, PointF[] Landmarks, string Subject);

/// <summary>
/// A scorer's reading of one <see cref="FaceCrop"/>, with every class probability: the AUC and the ECE need the whole
/// distribution, not only the predicted class and its confidence.
/// </summary>
/// <param name="Pspi">The (expected) PSPI; NaN when the crop could not be scored.</param>
/// <param name="Probabilities">One probability per class of the scorer's scheme, summing to 1; empty when not scored.</param>
/// <param name="PredictedClass">The predicted class; −1 when not scored.</param>
/// <param name="CannotScoreReason">Why no score was produced, or <see langword="null"/>.</param>
public sealed record CropPrediction(double Pspi, double[] Probabilities, int PredictedClass, string? CannotScoreReason = null)
{
    /// <summary>Gets a value indicating whether the crop was scored.</summary>
    public bool IsScored => CannotScoreReason is null;

    /// <summary>Gets the probability of the predicted class (0 when not scored).</summary>
    public double Confidence => IsScored ? Probabilities[PredictedClass] : 0;

    /// <summary>A crop that could not be scored.</summary>
    /// <param name="reason">Why.</param>
    /// <returns>The score.</returns>
    public static CropPrediction CannotScore(string reason) => new(double.NaN, [], -1, reason);
}

/// <summary>
/// Scores aligned face crops in batches: what <c>painstream eval</c> runs a model through. Implemented by the geometric
/// scorer (<see cref="GeometricCropScorer"/>) and by the ONNX adapter (<see cref="OnnxCropScorer"/>, the daemon's batch
/// path run synchronously): PSPI, class probabilities and the predicted class for each crop.
/// </summary>
/// <remarks>
/// <para>Implementations need not be thread-safe: the evaluation calls <see cref="Score"/> from one thread at a time.</para>
/// </remarks>
public interface ICropScorer
{
    /// <summary>Gets a short description for the report, e.g. <c>geometric</c> or <c>onnx:models/x.onnx (dacnn-synthetic 1.0.0)</c>.</summary>
    string Description { get; }

    /// <summary>Gets the class scheme <see cref="CropPrediction.Probabilities"/> refer to.</summary>
    PainClassScheme Scheme { get; }

    /// <summary>Gets how the class probabilities are obtained (a model's softmax, a soft assignment of a point estimate …), for the report.</summary>
    string ProbabilityNote { get; }

    /// <summary>Gets the largest batch <see cref="Score"/> accepts.</summary>
    int MaxBatchSize { get; }

    /// <summary>Scores a batch of crops.</summary>
    /// <param name="crops">At most <see cref="MaxBatchSize"/> crops.</param>
    /// <returns>One score per crop, in order.</returns>
    IReadOnlyList<CropPrediction> Score(IReadOnlyList<FaceCrop> crops);
}

/// <summary>A <see cref="ICropScorer"/> that scores against a per-subject neutral baseline (the geometric scorer).</summary>
public interface INeutralBaselineScorer : ICropScorer
{
    /// <summary>Gets how the evaluation chooses the neutral crops, for the report.</summary>
    string BaselineNote { get; }

    /// <summary>Sets a subject's neutral baseline from crops of that subject at rest.</summary>
    /// <param name="subject">The subject id.</param>
    /// <param name="neutral">The subject's neutral crops (at least one).</param>
    /// <returns>Why no baseline could be made, or <see langword="null"/>.</returns>
    string? SetNeutral(string subject, IReadOnlyList<FaceCrop> neutral);
}
