// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Scoring.Onnx;

namespace PainStream.Scoring;

/// <summary>
/// The seven action-unit intensities the seed-003 infant model reads, in its input order (AU27, AU25, AU10, AU12, AU9, AU6,
/// AU20), each an uncalibrated landmark proxy on a 0–5 scale (FACS A–E as 1–5).
/// </summary>
/// <param name="Au27">Mouth stretch (jaw dropped, mouth wide open): from the mouth aspect ratio.</param>
/// <param name="Au25">Lips part: from the inner-lip gap.</param>
/// <param name="Au10">Upper-lip raiser: <b>the shared AU9/10 proxy</b> (<see cref="PspiEstimate.Au9Or10"/>), the same value as <paramref name="Au9"/>.</param>
/// <param name="Au12">Lip-corner puller: corners raised and the mouth widened.</param>
/// <param name="Au9">Nose wrinkler: <b>the shared AU9/10 proxy</b>, the same value as <paramref name="Au10"/>.</param>
/// <param name="Au6">Cheek raiser: <b>the shared AU6/7 proxy</b> (<see cref="PspiEstimate.Au6Or7"/>, lid narrowing), which AU7 (lid tightener) moves as well.</param>
/// <param name="Au20">Lip stretcher: corners pulled outwards without rising.</param>
public readonly record struct InfantAus(float Au27, float Au25, float Au10, float Au12, float Au9, float Au6, float Au20)
{
    /// <summary>The number of intensities.</summary>
    public const int Count = 7;

    /// <summary>Writes the intensities in the model's input order (<see cref="ModelManifest.InfantAus"/>).</summary>
    /// <param name="destination">At least <see cref="Count"/> floats.</param>
    public void CopyTo(Span<float> destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, Count, nameof(destination));
        destination[0] = Au27;
        destination[1] = Au25;
        destination[2] = Au10;
        destination[3] = Au12;
        destination[4] = Au9;
        destination[5] = Au6;
        destination[6] = Au20;
    }
}

/// <summary>
/// Estimates the infant model's seven AU intensities from the landmark proxies (<see cref="AuProxies"/>) against the patient's
/// learnt neutral baseline, the same baseline the geometric PSPI scorer uses.
/// </summary>
/// <remarks>
/// <para>
/// <b>What is measured, and what is not.</b> Only four of the seven action units have a landmark signal of their own; the other
/// three share the geometric scorer's proxies, because 68 landmarks cannot tell them apart (nose wrinkling and upper-lip
/// raising both shorten the nose-to-lip distances; cheek raising and lid tightening both narrow the eye). The shared proxy is
/// fed to each input it stands for, and the alert explanation reports it once under its shared name (<c>au9_10</c>,
/// <c>au6_7</c>), never as separate measurements:
/// </para>
/// <list type="table">
/// <listheader><term>input</term><description>proxy (d = inter-ocular distance |p36−p45|; Δ against the neutral baseline)</description></listheader>
/// <item><term>AU27</term><description>mouth aspect ratio MAR = lip gap / mouth width; Ramp(MAR − MAR₀, <see cref="Au27MarRiseStart"/>, <see cref="Au27MarRiseFull"/>)</description></item>
/// <item><term>AU25</term><description>inner-lip gap (mean |p61−p67|, |p62−p66|, |p63−p65|)/d; Ramp(gap − gap₀, <see cref="Au25GapRiseStart"/>, <see cref="Au25GapRiseFull"/>)</description></item>
/// <item><term>AU12</term><description>min(Ramp(corner rise, <see cref="Au12RaiseStart"/>, <see cref="Au12RaiseFull"/>), Ramp(widening, <see cref="Au12WidenStart"/>, <see cref="Au12WidenFull"/>)): corner rise = relative shrink of the corners' height below the subnasale p33 along the face's down axis, widening = relative growth of |p48−p54|</description></item>
/// <item><term>AU20</term><description>Ramp(widening, <see cref="Au20WidenStart"/>, <see cref="Au20WidenFull"/>) · (1 − Ramp01(corner rise, <see cref="Au20RaiseSuppressStart"/>, <see cref="Au20RaiseSuppressFull"/>)): widening without rising</description></item>
/// <item><term>AU9, AU10</term><description>both = the geometric AU9/10 intensity (nose-to-upper-lip and nasion-to-upper-lip shrink): one shared proxy</description></item>
/// <item><term>AU6</term><description>= the geometric AU6/7 intensity (lid aperture narrowing, suppressed by eye closure): shared with AU7</description></item>
/// </list>
/// <para>
/// Every intensity is a linear ramp from 0 (at the start, a dead band for landmark jitter) to 5 (at the full value), clamped.
/// The constants are engineering choices from the geometry of the iBUG shape on adult faces, not fitted to labelled infant
/// data: the intensities are uncalibrated proxies, and an infant's face proportions differ from an adult's. Thread-safe and
/// allocation-free (pure functions of their arguments).
/// </para>
/// </remarks>
public static class InfantAuEstimator
{
    /// <summary>AU25 starts when the inner-lip gap has grown by this fraction of d over the neutral gap (lips just apart).</summary>
    public const float Au25GapRiseStart = 0.03f;

    /// <summary>AU25 is 5 when the gap has grown by this fraction of d (lips clearly apart, teeth visible).</summary>
    public const float Au25GapRiseFull = 0.15f;

    /// <summary>AU27 starts when the mouth aspect ratio has risen by this much (a mouth one third as high as wide).</summary>
    public const float Au27MarRiseStart = 0.35f;

    /// <summary>AU27 is 5 when the mouth aspect ratio has risen by this much (a crying mouth, nearly as high as wide).</summary>
    public const float Au27MarRiseFull = 0.85f;

    /// <summary>AU12's corner-rise ramp starts at this relative shrink of the corners' height below the subnasale (5 %).</summary>
    public const float Au12RaiseStart = 0.05f;

    /// <summary>AU12's corner-rise ramp is full at this relative shrink (35 %).</summary>
    public const float Au12RaiseFull = 0.35f;

    /// <summary>AU12's widening ramp starts at this relative growth of the mouth width (2 %).</summary>
    public const float Au12WidenStart = 0.02f;

    /// <summary>AU12's widening ramp is full at this relative growth (20 %).</summary>
    public const float Au12WidenFull = 0.20f;

    /// <summary>AU20 starts at this relative growth of the mouth width (5 %).</summary>
    public const float Au20WidenStart = 0.05f;

    /// <summary>AU20 is 5 at this relative growth of the mouth width (30 %).</summary>
    public const float Au20WidenFull = 0.30f;

    /// <summary>AU20 is suppressed from this relative corner rise on (3 %): rising corners are AU12, not AU20.</summary>
    public const float Au20RaiseSuppressStart = 0.03f;

    /// <summary>AU20 is fully suppressed at this relative corner rise (10 %).</summary>
    public const float Au20RaiseSuppressFull = 0.10f;

    /// <summary>Reason given while the baseline has no mouth measures (saved before they existed, or degenerate).</summary>
    public const string NoMouthBaselineReason = "learning baseline (mouth)";

    /// <summary>Gets a value indicating whether a baseline can serve the mouth proxies (positive width and corner height).</summary>
    /// <param name="baseline">The baseline.</param>
    /// <returns><see langword="true"/> when usable.</returns>
    public static bool HasMouth(in NeutralBaseline baseline) =>
        baseline.IsValid && baseline.Neutral.HasMouth && baseline.Neutral.CornerToNose > 0;

    /// <summary>Estimates the seven intensities.</summary>
    /// <param name="current">The face's proxies.</param>
    /// <param name="baseline">The patient's neutral baseline (<see cref="HasMouth"/> must hold).</param>
    /// <param name="geometric">The geometric scorer's estimate of the same face (its AU6/7 and AU9/10), scorable.</param>
    /// <returns>The intensities, each 0–5.</returns>
    public static InfantAus Estimate(in AuProxies current, in NeutralBaseline baseline, in PspiEstimate geometric)
    {
        var neutral = baseline.Neutral;
        var max = GeometricPspiScorer.MaxIntensity;
        var au25 = GeometricPspiScorer.Ramp(current.LipGap - neutral.LipGap, Au25GapRiseStart, Au25GapRiseFull, max);
        var mar = current.MouthWidth > 0 ? current.LipGap / current.MouthWidth : 0f;
        var mar0 = neutral.LipGap / neutral.MouthWidth;
        var au27 = GeometricPspiScorer.Ramp(mar - mar0, Au27MarRiseStart, Au27MarRiseFull, max);
        var rise = (neutral.CornerToNose - current.CornerToNose) / neutral.CornerToNose;
        var widen = (current.MouthWidth - neutral.MouthWidth) / neutral.MouthWidth;
        var au12 = MathF.Min(
            GeometricPspiScorer.Ramp(rise, Au12RaiseStart, Au12RaiseFull, max),
            GeometricPspiScorer.Ramp(widen, Au12WidenStart, Au12WidenFull, max));
        var au20 = GeometricPspiScorer.Ramp(widen, Au20WidenStart, Au20WidenFull, max)
            * (1f - GeometricPspiScorer.Ramp(rise, Au20RaiseSuppressStart, Au20RaiseSuppressFull, 1f));
        var au910 = Finite(geometric.Au9Or10);
        var au67 = Finite(geometric.Au6Or7);
        return new InfantAus(au27, au25, au910, au12, au910, au67, au20);
    }

    private static float Finite(float value) => float.IsFinite(value) ? Math.Clamp(value, 0f, GeometricPspiScorer.MaxIntensity) : 0f;
}
