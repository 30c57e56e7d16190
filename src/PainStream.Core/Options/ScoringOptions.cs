// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.ComponentModel.DataAnnotations;

namespace PainStream.Core.Options;

/// <summary>The <c>Scoring</c> section: how faces become pain scores (restart needed).</summary>
public sealed class ScoringOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "Scoring";

    /// <summary>Gets or sets the scorer: <c>geometric</c> (landmark PSPI proxy, the default).</summary>
    [Required]
    [RegularExpression("^geometric$", ErrorMessage = "Scorer must be 'geometric'.")]
    public string Scorer { get; set; } = "geometric";

    /// <summary>Gets or sets where per-patient state (baselines) is kept; relative paths are under the install directory.</summary>
    [Required]
    [MinLength(1)]
    public string StateDirectory { get; set; } = "data/state";

    /// <summary>Gets or sets the neutral-baseline window: this many seconds of samples (one per <see cref="BaselineSampleSeconds"/>).</summary>
    [Range(10, 86400)]
    public int BaselineWindowSeconds { get; set; } = 300;

    /// <summary>Gets or sets how many seconds of neutral face are needed before the first score.</summary>
    [Range(1, 3600)]
    public int BaselineMinSeconds { get; set; } = 10;

    /// <summary>Gets or sets the percentile of each proxy taken as neutral (the proxies shrink with pain, so a high percentile).</summary>
    [Range(0.0, 1.0)]
    public double BaselinePercentile { get; set; } = 0.75;

    /// <summary>Gets or sets the interval between baseline samples, in seconds.</summary>
    [Range(0.1, 60.0)]
    public double BaselineSampleSeconds { get; set; } = 1;

    /// <summary>Gets or sets how long the eyes must stay closed before AU43 counts (shorter closures are blinks), in seconds.</summary>
    [Range(0.0, 10.0)]
    public double Au43MinClosedSeconds { get; set; } = 0.5;
}
