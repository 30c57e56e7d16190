// Copyright (c) PainStream contributors. Licensed under the MIT License.

namespace PainStream.Core.Alerting;

/// <summary>
/// The scale a bed's scores and thresholds are on. Every score, smoothed score, peak and threshold of a bed is on its scale,
/// and the scale travels with every score and alert payload (<c>"scale"</c>), so a PSPI consumer never reads a FLACC score as
/// PSPI.
/// </summary>
public enum ScoreScale
{
    /// <summary>Prkachin–Solomon Pain Intensity, 0–16 (adult beds: the geometric and the learned CNN scorers).</summary>
    Pspi = 0,

    /// <summary>FLACC-style infant score, 0–10 (infant beds: the seed-003 AU MLP), with the levels 0 | 1–3 | 4–6 | 7–10.</summary>
    Flacc = 1,
}

/// <summary>Ranges, wire names and levels of the <see cref="ScoreScale"/>s.</summary>
public static class ScoreScales
{
    /// <summary>The highest PSPI score (AU4 + max(AU6, AU7) + max(AU9, AU10) + AU43 = 5 + 5 + 5 + 1): defined here only, for every stage and tool.</summary>
    public const int MaxPspi = 16;

    /// <summary>The highest FLACC score.</summary>
    public const double MaxFlacc = 10;

    /// <summary>Gets the highest score of a scale.</summary>
    /// <param name="scale">The scale.</param>
    /// <returns>16 for PSPI, 10 for FLACC.</returns>
    public static double Max(this ScoreScale scale) => scale == ScoreScale.Flacc ? MaxFlacc : MaxPspi;

    /// <summary>Gets the wire name of a scale (<c>pspi</c> or <c>flacc</c>).</summary>
    /// <param name="scale">The scale.</param>
    /// <returns>The name.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A value the contract does not know.</exception>
    public static string WireName(this ScoreScale scale) => scale switch
    {
        ScoreScale.Pspi => "pspi",
        ScoreScale.Flacc => "flacc",
        _ => throw new ArgumentOutOfRangeException(nameof(scale), scale, "not in the alert contract"),
    };

    /// <summary>
    /// Gets the FLACC level of a score: rounded half up to an integer (as the training kit's <c>level_of</c>), then the band
    /// <c>0</c>, <c>1-3</c>, <c>4-6</c> or <c>7-10</c> (none / mild discomfort / moderate pain / severe pain, the clinical
    /// convention of the FLACC scale).
    /// </summary>
    /// <param name="flacc">The score, 0–10 (clamped).</param>
    /// <returns>The band's label, or <see langword="null"/> for a non-finite score.</returns>
    public static string? FlaccLevel(double flacc)
    {
        if (!double.IsFinite(flacc))
        {
            return null;
        }

        var rounded = Math.Clamp(Math.Floor(flacc + 0.5), 0, MaxFlacc);
        return rounded switch
        {
            0 => "0",
            <= 3 => "1-3",
            <= 6 => "4-6",
            _ => "7-10",
        };
    }
}
