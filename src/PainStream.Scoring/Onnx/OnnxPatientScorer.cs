// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Alerting;
using PainStream.Core.Detection;
using PainStream.Core.Scoring;

namespace PainStream.Scoring.Onnx;

/// <summary>
/// One patient's learned (CNN) scorer. The score itself was computed in a cross-camera batch from the face's aligned crop
/// (<see cref="FaceAnalysis.CropScore"/>, awaited by the patient stage); this scorer turns it into the same
/// <see cref="ScoreSample"/> the geometric scorer produces (PSPI 0–16 and a confidence), so smoothing and alerting are
/// identical, and keeps the last class activation map summary for the alert explanation.
/// </summary>
/// <remarks>
/// A CNN scores the face as it is, against what it learnt from many faces: it needs no per-patient neutral baseline. It is
/// ready from the first frame, and a baseline reset (a new patient) is accepted and changes nothing. Not thread-safe: the
/// patient stage calls it in time order.
/// </remarks>
public sealed class OnnxPatientScorer : IPatientScorer
{
    /// <summary>Reason given for a face that reached the scorer without a learned score (e.g. its camera just switched scorer).</summary>
    public const string NoCropScoreReason = "no learned score for this face";

    private readonly string? _unavailable;
    private FaceRegionShares? _lastRegions;
    private bool _scored;

    /// <summary>Initializes a new instance of the <see cref="OnnxPatientScorer"/> class.</summary>
    /// <param name="name">The scorer name, <c>onnx:&lt;model&gt;</c> (the camera's setting).</param>
    /// <param name="unavailableReason">Why the model cannot score at all (not loaded), or <see langword="null"/>.</param>
    public OnnxPatientScorer(string name, string? unavailableReason = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Name = name;
        _unavailable = unavailableReason;
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <inheritdoc/>
    public bool IsReady => _unavailable is null;

    /// <inheritdoc/>
    public ScoreSample Score(FaceAnalysis face, DateTimeOffset ts, bool learnBaseline)
    {
        ArgumentNullException.ThrowIfNull(face);
        if (_unavailable is { } reason)
        {
            return ScoreSample.CannotScore(reason);
        }

        if (face.QualityIssue is { } issue)
        {
            return ScoreSample.CannotScore(issue);
        }

        if (face.CropScore is not { } pending)
        {
            return ScoreSample.CannotScore(NoCropScoreReason);
        }

        var result = pending.Result;
        if (!result.IsScorable)
        {
            return ScoreSample.CannotScore(result.CannotScoreReason!);
        }

        _scored = true;
        _lastRegions = result.Regions;
        // The shared confidence scale (ConfidenceScale), so the same MinConfidence serves this model and the geometric scorer.
        return new ScoreSample(result.Pspi, float.IsFinite(result.ScaleConfidence) ? result.ScaleConfidence : result.Confidence);
    }

    /// <inheritdoc/>
    public void NoFace(DateTimeOffset ts)
    {
        // No temporal filter to reset: each frame is scored on its own (smoothing is the alert machine's).
    }

    /// <inheritdoc/>
    /// <remarks>A learned model has no action-unit breakdown; its explanation is by region (<see cref="ExplainRegions"/>).</remarks>
    public IReadOnlyDictionary<string, double>? Explain() => null;

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, double>? ExplainRegions() => _scored && _lastRegions is { } regions ? regions.ToDictionary() : null;

    /// <inheritdoc/>
    /// <remarks>A CNN has no per-patient baseline: nothing to forget, nothing saved to delete.</remarks>
    public ValueTask ResetBaselineAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <inheritdoc/>
    /// <remarks>Nothing per patient survives a restart: the model is the state.</remarks>
    public ValueTask SaveAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;
}
