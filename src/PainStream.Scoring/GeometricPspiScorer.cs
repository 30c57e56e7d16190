// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Detection;
using PainStream.Core.Alerting;

namespace PainStream.Scoring;

/// <summary>
/// Geometric PSPI proxy (DESIGN.md §5): action-unit intensities from the relative shrinkage of <see cref="AuProxies"/>
/// against the patient's <see cref="NeutralBaseline"/>, summed like PSPI = AU4 + max(AU6,AU7) + max(AU9,AU10) + AU43.
/// </summary>
/// <remarks>
/// <para>
/// For each proxy the relative change is <c>r = (neutral − current) / neutral</c> (positive when the distance shrinks,
/// which all six do in the pain expression). An intensity is a linear ramp: 0 up to a start (a dead band that absorbs
/// landmark jitter, about ±2–4 % of the inter-ocular distance for dlib's model on a 60-px face), the maximum at a full
/// value. The constants below are engineering choices from the geometry of the iBUG shape, not fitted to labelled data:
/// this is a proxy, not a validated clinical score. Expect eyes to be reliable, AU4 moderate, AU9/10 weak.
/// </para>
/// <para>
/// Eye closure suppresses the aperture-based AU6/7 (multiplied by 1 − AU43): a relaxed closure (sleep) must not read as
/// orbital tightening, and a squeezed-shut grimace still scores through AU4, AU9/10 and AU43. Out-of-plane head rotation
/// shortens the vertical distances like the expression does, so yaw and pitch are gated and lower the confidence.
/// </para>
/// <para>Thread-safe and allocation-free: the scorer is immutable and shared; the baseline is per patient.</para>
/// </remarks>
public sealed class GeometricPspiScorer
{
    /// <summary>Largest AU4, AU6/7 and AU9/10 intensity (FACS A–E as 1–5).</summary>
    public const float MaxIntensity = 5f;


    /// <summary>AU43 starts at this relative EAR drop: blinks and narrowing stay below it (open EAR ≈ 0.3, half-closed ≈ 0.15).</summary>
    public const float Au43EarDropStart = 0.45f;

    /// <summary>AU43 is 1 at this relative EAR drop (EAR ≈ 0.09 from 0.3: lids touching in dlib's landmarks).</summary>
    public const float Au43EarDropFull = 0.70f;

    /// <summary>AU6/7 starts at this relative lid-aperture narrowing (10 %: above jitter and squinting in light).</summary>
    public const float Au67ApertureDropStart = 0.10f;

    /// <summary>AU6/7 reaches 5 at this relative narrowing (50 %: the eye half shut by cheek raise and lid tightening).</summary>
    public const float Au67ApertureDropFull = 0.50f;

    /// <summary>AU4 from the brow-to-lid gap starts at this relative drop (5 %).</summary>
    public const float Au4BrowToLidDropStart = 0.05f;

    /// <summary>AU4 from the brow-to-lid gap reaches 5 at this relative drop (40 %: brows down onto the upper lid fold).</summary>
    public const float Au4BrowToLidDropFull = 0.40f;

    /// <summary>AU4 from the inner-brow gap starts at this relative drop (5 %).</summary>
    public const float Au4InnerBrowDropStart = 0.05f;

    /// <summary>AU4 from the inner-brow gap reaches 5 at this relative drop (35 %: corrugator pulling the brows together).</summary>
    public const float Au4InnerBrowDropFull = 0.35f;

    /// <summary>
    /// AU9/10 from subnasale-to-upper-lip starts at this relative drop (15 %). The distance is short (about 0.10 of the
    /// inter-ocular distance on the astronaut fixture, 6 px on a 60-px face), so one pixel of jitter is already ~15 %.
    /// </summary>
    public const float Au910NoseLipDropStart = 0.15f;

    /// <summary>AU9/10 from subnasale-to-upper-lip reaches 5 at this relative drop (75 %: lip pulled up against the nose).</summary>
    public const float Au910NoseLipDropFull = 0.75f;

    /// <summary>AU9/10 from nasion-to-upper-lip starts at this relative drop (4 %; a long distance, ~0.64 of the
    /// inter-ocular distance, so the same lip raise is a smaller but steadier relative change).</summary>
    public const float Au910RootLipDropStart = 0.04f;

    /// <summary>AU9/10 from nasion-to-upper-lip reaches 5 at this relative drop (20 %).</summary>
    public const float Au910RootLipDropFull = 0.20f;

    /// <summary>Reason given when the baseline is missing or invalid.</summary>
    public const string NoBaselineReason = "no neutral baseline";

    /// <summary>Reason given when the landmarks are degenerate.</summary>
    public const string BadLandmarksReason = "landmarks degenerate";

    /// <summary>Reason given when the face is too small.</summary>
    public const string TooSmallReason = "face too small";

    /// <summary>Reason given when the head is turned beyond the yaw or pitch limit.</summary>
    public const string TurnedAwayReason = "head turned away";

    private readonly GeometricPspiOptions _options;

    /// <summary>Initializes a new instance of the <see cref="GeometricPspiScorer"/> class.</summary>
    /// <param name="options">Quality limits; defaults when <see langword="null"/>.</param>
    public GeometricPspiScorer(GeometricPspiOptions? options = null) => _options = options ?? new GeometricPspiOptions();

    /// <summary>Gets the quality limits.</summary>
    public GeometricPspiOptions Options => _options;

    /// <summary>Scores one face from its 68 landmarks.</summary>
    /// <param name="landmarks">68 points in iBUG 300-W order.</param>
    /// <param name="baseline">The patient's neutral baseline.</param>
    /// <param name="pose">Head pose from the alignment stage, or <see langword="null"/> when unknown (lowers the confidence).</param>
    /// <returns>The estimate, or a "cannot score" estimate with its reason.</returns>
    public PspiEstimate Score(ReadOnlySpan<PointF> landmarks, in NeutralBaseline baseline, HeadPose? pose = null) =>
        AuProxies.TryFromLandmarks(landmarks, out var proxies)
            ? Score(proxies, baseline, pose)
            : PspiEstimate.CannotScore(BadLandmarksReason);

    /// <summary>Scores one face from its proxies.</summary>
    /// <param name="current">The face's proxies.</param>
    /// <param name="baseline">The patient's neutral baseline.</param>
    /// <param name="pose">Head pose, or <see langword="null"/> when unknown (lowers the confidence).</param>
    /// <returns>The estimate, or a "cannot score" estimate with its reason.</returns>
    public PspiEstimate Score(in AuProxies current, in NeutralBaseline baseline, HeadPose? pose = null)
    {
        if (!current.IsValid)
        {
            return PspiEstimate.CannotScore(BadLandmarksReason);
        }

        if (!baseline.IsValid)
        {
            return PspiEstimate.CannotScore(NoBaselineReason);
        }

        var options = _options;
        if (current.InterOcularPixels < options.MinInterOcularPixels)
        {
            return PspiEstimate.CannotScore(TooSmallReason);
        }

        var poseFactor = options.UnknownPoseConfidence;
        if (pose is { } p)
        {
            var yaw = MathF.Abs(p.YawDegrees);
            var pitch = MathF.Abs(p.PitchDegrees);
            if (!(yaw <= options.MaxYawDegrees) || !(pitch <= options.MaxPitchDegrees))
            {
                return PspiEstimate.CannotScore(TurnedAwayReason);
            }

            // Quadratic fall-off: near-frontal costs little, the gate edge costs everything.
            poseFactor = Falloff(yaw, options.MaxYawDegrees) * Falloff(pitch, options.MaxPitchDegrees);
        }

        var neutral = baseline.Neutral;
        var au43 = Ramp(Drop(neutral.EyeAspectRatio, current.EyeAspectRatio), Au43EarDropStart, Au43EarDropFull, 1f);
        var au67 = Ramp(Drop(neutral.LidAperture, current.LidAperture), Au67ApertureDropStart, Au67ApertureDropFull, MaxIntensity) * (1f - au43);
        var au4 = MathF.Max(
            Ramp(Drop(neutral.BrowToLid, current.BrowToLid), Au4BrowToLidDropStart, Au4BrowToLidDropFull, MaxIntensity),
            Ramp(Drop(neutral.InnerBrowGap, current.InnerBrowGap), Au4InnerBrowDropStart, Au4InnerBrowDropFull, MaxIntensity));
        var au910 = MathF.Max(
            Ramp(Drop(neutral.NoseToUpperLip, current.NoseToUpperLip), Au910NoseLipDropStart, Au910NoseLipDropFull, MaxIntensity),
            Ramp(Drop(neutral.NoseRootToLip, current.NoseRootToLip), Au910RootLipDropStart, Au910RootLipDropFull, MaxIntensity));
        var pspi = Math.Clamp(au4 + au67 + au910 + au43, 0f, ScoreScales.MaxPspi);

        var span = options.FullConfidenceInterOcularPixels - options.MinInterOcularPixels;
        var sizeFactor = span > 0 ? 0.25f + (0.75f * Math.Clamp((current.InterOcularPixels - options.MinInterOcularPixels) / span, 0f, 1f)) : 1f;
        var confidence = Math.Clamp(poseFactor * sizeFactor, 0f, 1f);
        return new PspiEstimate(au4, au67, au910, au43, pspi, confidence);
    }

    /// <summary>Linear ramp: 0 at or below <paramref name="start"/>, <paramref name="max"/> at or above <paramref name="full"/>.</summary>
    /// <param name="value">The relative change.</param>
    /// <param name="start">Where the ramp leaves 0.</param>
    /// <param name="full">Where it reaches <paramref name="max"/>.</param>
    /// <param name="max">The largest output.</param>
    /// <returns>The intensity.</returns>
    public static float Ramp(float value, float start, float full, float max) =>
        float.IsFinite(value) ? Math.Clamp((value - start) / (full - start), 0f, 1f) * max : 0f;

    private static float Drop(float neutral, float current) => (neutral - current) / neutral;

    private static float Falloff(float angle, float limit)
    {
        if (!(limit > 0))
        {
            return 1f;
        }

        var t = angle / limit;
        return Math.Clamp(1f - (t * t), 0f, 1f);
    }
}
