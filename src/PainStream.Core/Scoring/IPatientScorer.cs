// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Alerting;
using PainStream.Core.Detection;
using PainStream.Core.Frames;

namespace PainStream.Core.Scoring;

/// <summary>
/// Scores one patient's face over time (one instance per camera/bed). Owns whatever is per patient: the neutral baseline,
/// temporal filters (e.g. AU43 sustained closure). Not thread-safe: the patient stage calls it in time order.
/// </summary>
public interface IPatientScorer
{
    /// <summary>Gets the scorer name reported with scores and alerts (e.g. <c>geometric</c>).</summary>
    string Name { get; }

    /// <summary>
    /// Gets the scale of the scores (<see cref="ScoreSample.Pspi"/> holds a value on it): <see cref="ScoreScale.Pspi"/> for the
    /// adult scorers, <see cref="ScoreScale.Flacc"/> for the infant scorer. The patient stage stamps it on every score and alert.
    /// </summary>
    ScoreScale Scale => ScoreScale.Pspi;

    /// <summary>Gets a value indicating whether the scorer has what it needs to score (e.g. a learnt baseline).</summary>
    bool IsReady { get; }

    /// <summary>Scores the patient's face in one frame.</summary>
    /// <param name="face">The face's analysis (its <see cref="FaceAnalysis.QualityIssue"/> may already say it cannot be scored).</param>
    /// <param name="ts">When the frame was captured.</param>
    /// <param name="learnBaseline">Whether this face may be learnt as neutral (no pain episode pending or active).</param>
    /// <returns>The sample: a score with its confidence, or "cannot score" with the reason.</returns>
    ScoreSample Score(FaceAnalysis face, DateTimeOffset ts, bool learnBaseline);

    /// <summary>Notes a frame in which the patient's face was not found (resets temporal filters).</summary>
    /// <param name="ts">When the frame was captured.</param>
    void NoFace(DateTimeOffset ts);

    /// <summary>Explains the last score: contributions by action unit or facial region (allocates: call it per alert, not per frame).</summary>
    /// <returns>Name → value in the scorer's units, or <see langword="null"/> when there is no scored frame.</returns>
    IReadOnlyDictionary<string, double>? Explain();

    /// <summary>
    /// Explains the last score by facial region of the aligned crop (<c>brow</c>, <c>eyes</c>, <c>nose_upper_lip</c>,
    /// <c>mouth</c>), as shares summing to 1: a learned model's class activation map. Allocates: call it per alert.
    /// </summary>
    /// <returns>Region → share, or <see langword="null"/> when the scorer has no such explanation (the geometric scorer explains by action unit).</returns>
    IReadOnlyDictionary<string, double>? ExplainRegions() => null;

    /// <summary>Forgets the neutral baseline (a new patient) and deletes its saved copy.</summary>
    /// <param name="cancellationToken">Cancels the deletion.</param>
    /// <returns>A task that completes when the reset is durable.</returns>
    ValueTask ResetBaselineAsync(CancellationToken cancellationToken);

    /// <summary>Saves the per-patient state (e.g. the baseline) so it survives a restart.</summary>
    /// <param name="cancellationToken">Cancels the save.</param>
    /// <returns>A task that completes when the state is saved.</returns>
    ValueTask SaveAsync(CancellationToken cancellationToken);
}

/// <summary>Creates the scorer of each patient (camera/bed), restoring saved state.</summary>
public interface IPatientScorerFactory
{
    /// <summary>Creates the scorer of a bed.</summary>
    /// <param name="camera">The camera.</param>
    /// <param name="bed">The bed.</param>
    /// <param name="cancellationToken">Cancels loading saved state.</param>
    /// <returns>The scorer.</returns>
    ValueTask<IPatientScorer> CreateAsync(CameraId camera, string bed, CancellationToken cancellationToken);
}
