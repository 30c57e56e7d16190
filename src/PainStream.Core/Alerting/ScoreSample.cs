// Copyright (c) PainStream contributors. Licensed under the MIT License.

namespace PainStream.Core.Alerting;

/// <summary>One pain score for one patient, as the scorer produced it.</summary>
/// <param name="Pspi">The score on the scorer's <see cref="Scoring.IPatientScorer.Scale"/>: PSPI 0–16 for adult scorers, FLACC 0–10 for the
/// infant scorer (the name is historical); ignored when <paramref name="CannotScoreReason"/> is set.</param>
/// <param name="Confidence">The scorer's confidence (0–1).</param>
/// <param name="CannotScoreReason">Why no score could be produced (face too small, turned away …), or <see langword="null"/>.</param>
public readonly record struct ScoreSample(double Pspi, double Confidence, string? CannotScoreReason = null)
{
    /// <summary>Gets a value indicating whether the sample carries a usable score (no reason given and a finite value).</summary>
    public bool IsScorable => CannotScoreReason is null && double.IsFinite(Pspi) && double.IsFinite(Confidence);

    /// <summary>A sample for a face that could not be scored; never treated as pain 0.</summary>
    /// <param name="reason">Why.</param>
    /// <returns>The sample.</returns>
    public static ScoreSample CannotScore(string reason) => new(double.NaN, 0, reason);
}
