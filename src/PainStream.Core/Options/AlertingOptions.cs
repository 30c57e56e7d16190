// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.ComponentModel.DataAnnotations;
using PainStream.Core.Alerting;

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
    [Range(0.0, 16.0)]
    public double OnThreshold { get; set; } = 4;

    /// <summary>Gets or sets the smoothed PSPI below which an episode ends (after the hold); below <see cref="OnThreshold"/>.</summary>
    [Range(0.0, 16.0)]
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
    [Range(0.1, 16.0)]
    public double PeakUpdateStep { get; set; } = 1;

    /// <summary>Gets or sets after how many minutes without a scorable face a "face not visible" technical alarm is raised.</summary>
    [Range(0.1, 1440.0)]
    public double FaceNotVisibleMinutes { get; set; } = 5;

    /// <summary>Gets or sets the interval between score messages per bed, in milliseconds.</summary>
    [Range(100, 3_600_000)]
    public int ScoreIntervalMilliseconds { get; set; } = 1000;

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
    };
}

/// <summary>Per-camera or per-bed overrides of <see cref="AlertingOptions"/>; an unset key inherits.</summary>
public sealed class AlertingOverrides
{
    /// <summary>Gets or sets the on-threshold override.</summary>
    [Range(0.0, 16.0)]
    public double? OnThreshold { get; set; }

    /// <summary>Gets or sets the off-threshold override.</summary>
    [Range(0.0, 16.0)]
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
}
