// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using PainStream.Core.Alerting;
using PainStream.Core.Cameras;

namespace PainStream.Core.Options;

/// <summary>
/// The <c>Alerting</c> section: global alert thresholds and timings (hot-reloadable). Cameras and beds override any of
/// them with an <c>Alerting</c> object of their own (<see cref="AlertingOverrides"/>).
/// </summary>
public sealed class AlertingOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "Alerting";

    /// <summary>Gets or sets the smoothed PSPI at or above which a pain episode starts (after the dwell).</summary>
    [Range(0.0, ScoreScales.MaxPspi)]
    public double OnThreshold { get; set; } = 4;

    /// <summary>Gets or sets the smoothed PSPI below which an episode ends (after the hold); below <see cref="OnThreshold"/>.</summary>
    [Range(0.0, ScoreScales.MaxPspi)]
    public double OffThreshold { get; set; } = 2.5;

    /// <summary>Gets or sets how long the score must stay up before a pain alert is raised, in seconds.</summary>
    [Range(0.0, 3600.0)]
    public double DwellSeconds { get; set; } = 15;

    /// <summary>Gets or sets how long the score must stay below the off-threshold before the episode ends, in seconds.</summary>
    [Range(0.0, 3600.0)]
    public double HoldSeconds { get; set; } = 20;

    /// <summary>Gets or sets the interval after which an active episode is announced again, in minutes.</summary>
    [Range(0.1, 1440.0)]
    public double ReAlertMinutes { get; set; } = 10;

    /// <summary>Gets or sets the time without acknowledgement after which the priority goes one step up, in minutes.</summary>
    [Range(0.1, 1440.0)]
    public double EscalateAfterMinutes { get; set; } = 5;

    /// <summary>Gets or sets the minimum confidence of a score for it to count.</summary>
    [Range(0.0, 1.0)]
    public double MinConfidence { get; set; } = 0.5;

    /// <summary>Gets or sets the smoother's window (median over the window, then EMA), in seconds.</summary>
    [Range(0.1, 600.0)]
    public double SmoothingWindowSeconds { get; set; } = 5;

    /// <summary>Gets or sets the EMA time constant, in seconds (0: median only).</summary>
    [Range(0.0, 600.0)]
    public double SmoothingTimeConstantSeconds { get; set; } = 2;

    /// <summary>Gets or sets the peak rise that sends an episode update, in PSPI points.</summary>
    [Range(0.1, ScoreScales.MaxPspi)]
    public double PeakUpdateStep { get; set; } = 1;

    /// <summary>Gets or sets after how many minutes without a scorable face a "face not visible" technical alarm is raised.</summary>
    [Range(0.1, 1440.0)]
    public double FaceNotVisibleMinutes { get; set; } = 5;

    /// <summary>
    /// Gets or sets after how many minutes without an accepted sample (a scorable face whose confidence reaches
    /// <see cref="MinConfidence"/>) an active pain episode ends with cause <c>no_evidence</c>. The clock does not run while
    /// the camera is offline or the scorer fails: then the episode keeps escalating. <value>The default value is 30.</value>
    /// </summary>
    [Range(1.0, 1440.0)]
    public double NoEvidenceMinutes { get; set; } = 30;

    /// <summary>Gets or sets the interval between score messages per bed, in milliseconds.</summary>
    [Range(100, 3_600_000)]
    public int ScoreIntervalMilliseconds { get; set; } = 1000;

    /// <summary>
    /// Gets or sets the thresholds of infant beds (<c>Cameras:&lt;c&gt;:Beds:&lt;b&gt;:Mode = infant</c>), on the FLACC scale 0–10.
    /// Their timings (dwell, hold, re-alert, escalation, confidence, smoothing) are the ones above, with the camera's and the
    /// bed's overrides; the camera's <c>OnThreshold</c>/<c>OffThreshold</c>/<c>PeakUpdateStep</c> are on the PSPI scale and do
    /// not apply to infant beds, a bed's own do (on the FLACC scale).
    /// </summary>
    [ValidateObjectMembers]
    public InfantAlertingOptions Infant { get; set; } = new();

    /// <summary>Resolves the policy of one bed: these defaults, then the camera's overrides, then the bed's.</summary>
    /// <param name="camera">The camera's overrides, if any.</param>
    /// <param name="bed">The bed's overrides, if any.</param>
    /// <returns>The policy (not yet validated: call <see cref="AlertPolicy.Validate"/>).</returns>
    public AlertPolicy Resolve(AlertingOverrides? camera = null, AlertingOverrides? bed = null) => new()
    {
        OnThreshold = bed?.OnThreshold ?? camera?.OnThreshold ?? OnThreshold,
        OffThreshold = bed?.OffThreshold ?? camera?.OffThreshold ?? OffThreshold,
        Dwell = TimeSpan.FromSeconds(bed?.DwellSeconds ?? camera?.DwellSeconds ?? DwellSeconds),
        Hold = TimeSpan.FromSeconds(bed?.HoldSeconds ?? camera?.HoldSeconds ?? HoldSeconds),
        ReAlertInterval = TimeSpan.FromMinutes(bed?.ReAlertMinutes ?? camera?.ReAlertMinutes ?? ReAlertMinutes),
        EscalateAfter = TimeSpan.FromMinutes(bed?.EscalateAfterMinutes ?? camera?.EscalateAfterMinutes ?? EscalateAfterMinutes),
        MinConfidence = bed?.MinConfidence ?? camera?.MinConfidence ?? MinConfidence,
        SmoothingWindow = TimeSpan.FromSeconds(SmoothingWindowSeconds),
        SmoothingTimeConstant = TimeSpan.FromSeconds(SmoothingTimeConstantSeconds),
        PeakUpdateStep = PeakUpdateStep,
        FaceNotVisibleAfter = TimeSpan.FromMinutes(bed?.FaceNotVisibleMinutes ?? camera?.FaceNotVisibleMinutes ?? FaceNotVisibleMinutes),
        NoEvidenceAfter = TimeSpan.FromMinutes(bed?.NoEvidenceMinutes ?? camera?.NoEvidenceMinutes ?? NoEvidenceMinutes),
    };

    /// <summary>Resolves the policy of one bed in a mode: <see cref="Resolve(AlertingOverrides?, AlertingOverrides?)"/> for adults, <see cref="ResolveInfant"/> for infants.</summary>
    /// <param name="mode">The bed's mode.</param>
    /// <param name="camera">The camera's overrides, if any.</param>
    /// <param name="bed">The bed's overrides, if any.</param>
    /// <returns>The policy (not yet validated).</returns>
    public AlertPolicy Resolve(BedMode mode, AlertingOverrides? camera, AlertingOverrides? bed) =>
        mode == BedMode.Infant ? ResolveInfant(camera, bed) : Resolve(camera, bed);

    /// <summary>
    /// Resolves the policy of an infant bed, on the FLACC scale: thresholds and peak step from <see cref="Infant"/>, then the
    /// bed's overrides (the camera's are PSPI values and are skipped); every timing as for an adult bed.
    /// </summary>
    /// <param name="camera">The camera's overrides, if any.</param>
    /// <param name="bed">The bed's overrides, if any.</param>
    /// <returns>The policy (not yet validated).</returns>
    public AlertPolicy ResolveInfant(AlertingOverrides? camera = null, AlertingOverrides? bed = null)
    {
        var infant = Infant ?? new InfantAlertingOptions();
        return Resolve(camera, bed) with
        {
            Scale = ScoreScale.Flacc,
            OnThreshold = bed?.OnThreshold ?? infant.OnThreshold,
            OffThreshold = bed?.OffThreshold ?? infant.OffThreshold,
            PeakUpdateStep = infant.PeakUpdateStep,
        };
    }
}

/// <summary>
/// The <c>Alerting:Infant</c> section: thresholds of infant beds on the FLACC scale (0–10; levels 0 | 1–3 | 4–6 | 7–10).
/// Hot-reloadable.
/// </summary>
public sealed class InfantAlertingOptions
{
    /// <summary>
    /// Gets or sets the smoothed FLACC score at or above which a pain episode starts (after the dwell): 4, the bottom of the
    /// "moderate pain" level, is the usual clinical action threshold of FLACC. <value>The default value is 4.</value>
    /// </summary>
    [Range(0.0, 10.0)]
    public double OnThreshold { get; set; } = 4;

    /// <summary>
    /// Gets or sets the smoothed FLACC score below which an episode ends (after the hold); below <see cref="OnThreshold"/>.
    /// <value>The default value is 3 (back in the "mild discomfort" level).</value>
    /// </summary>
    [Range(0.0, 10.0)]
    public double OffThreshold { get; set; } = 3;

    /// <summary>Gets or sets the peak rise that sends an episode update, in FLACC points. <value>The default value is 1.</value></summary>
    [Range(0.1, 10.0)]
    public double PeakUpdateStep { get; set; } = 1;
}

/// <summary>Per-camera or per-bed overrides of <see cref="AlertingOptions"/>; an unset key inherits.</summary>
public sealed class AlertingOverrides
{
    /// <summary>Gets or sets the on-threshold override.</summary>
    [Range(0.0, ScoreScales.MaxPspi)]
    public double? OnThreshold { get; set; }

    /// <summary>Gets or sets the off-threshold override.</summary>
    [Range(0.0, ScoreScales.MaxPspi)]
    public double? OffThreshold { get; set; }

    /// <summary>Gets or sets the dwell override, in seconds.</summary>
    [Range(0.0, 3600.0)]
    public double? DwellSeconds { get; set; }

    /// <summary>Gets or sets the hold override, in seconds.</summary>
    [Range(0.0, 3600.0)]
    public double? HoldSeconds { get; set; }

    /// <summary>Gets or sets the re-alert override, in minutes.</summary>
    [Range(0.1, 1440.0)]
    public double? ReAlertMinutes { get; set; }

    /// <summary>Gets or sets the escalation override, in minutes.</summary>
    [Range(0.1, 1440.0)]
    public double? EscalateAfterMinutes { get; set; }

    /// <summary>Gets or sets the minimum confidence override.</summary>
    [Range(0.0, 1.0)]
    public double? MinConfidence { get; set; }

    /// <summary>Gets or sets the face-not-visible override, in minutes.</summary>
    [Range(0.1, 1440.0)]
    public double? FaceNotVisibleMinutes { get; set; }

    /// <summary>Gets or sets the no-evidence override, in minutes.</summary>
    [Range(1.0, 1440.0)]
    public double? NoEvidenceMinutes { get; set; }
}
