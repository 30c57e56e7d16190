// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Alerting;

namespace PainStream.Scoring;

/// <summary>The geometric scorer's result for one face.</summary>
/// <param name="Au4">Brow lowerer intensity, 0–5.</param>
/// <param name="Au6Or7">Orbital tightening intensity, 0–5: <c>max(AU6, AU7)</c> (one geometric proxy cannot tell them apart).</param>
/// <param name="Au9Or10">Levator contraction intensity, 0–5: <c>max(AU9, AU10)</c> (one geometric proxy for both).</param>
/// <param name="Au43">Eye closure, 0–1 (binary in PSPI; a ramp here so the score is continuous). Per frame: the caller
/// must require it to be sustained (blinks shorter than 0.5 s ignored).</param>
/// <param name="Pspi">AU4 + max(AU6,AU7) + max(AU9,AU10) + AU43, in 0–16; NaN when <paramref name="CannotScoreReason"/> is set.</param>
/// <param name="Confidence">0–1: lower for turned or small faces; 0 when the face cannot be scored.</param>
/// <param name="CannotScoreReason">Why no score was produced, or <see langword="null"/>.</param>
public readonly record struct PspiEstimate(
    float Au4,
    float Au6Or7,
    float Au9Or10,
    float Au43,
    float Pspi,
    float Confidence,
    string? CannotScoreReason = null)
{
    /// <summary>Gets a value indicating whether this estimate carries a score.</summary>
    public bool IsScorable => CannotScoreReason is null;

    /// <summary>An estimate for a face that could not be scored (never pain 0).</summary>
    /// <param name="reason">Why.</param>
    /// <returns>The estimate.</returns>
    public static PspiEstimate CannotScore(string reason) => new(float.NaN, float.NaN, float.NaN, float.NaN, float.NaN, 0, reason);

    /// <summary>Converts to the alerting pipeline's sample.</summary>
    /// <returns>The sample.</returns>
    public ScoreSample ToScoreSample() => CannotScoreReason is { } reason ? ScoreSample.CannotScore(reason) : new(Pspi, Confidence);
}
