// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using PainStream.Core.Cameras;

namespace PainStream.Core.Options;

/// <summary>
/// The <c>Cameras</c> section: camera name (<c>[a-z0-9_-]+</c>, used in MQTT topics) to its settings.
/// Hot-reloadable: cameras added, removed or changed in the file are started, stopped or restarted without touching the others.
/// </summary>
#pragma warning disable CA1710 // The name mirrors the configuration section, not the collection kind.
public sealed class CamerasOptions : Dictionary<string, CameraOptions>
#pragma warning restore CA1710
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "Cameras";

    /// <summary>Initializes a new instance of the <see cref="CamerasOptions"/> class.</summary>
    public CamerasOptions()
        : base(StringComparer.Ordinal)
    {
    }
}

/// <summary>One camera. Unset values fall back to the <c>Capture</c> section.</summary>
public sealed class CameraOptions
{
    /// <summary>
    /// Gets or sets the stream address: <c>rtsp://…</c> (pulled over TCP), a local file path or <c>file:</c> URL (played in
    /// real time, looped), or <c>lavfi:</c> followed by an ffmpeg filter graph (synthetic source, for tests). Credentials belong in
    /// the environment (<c>PAINSTREAM__Cameras__NAME__Url</c>); they are never logged.
    /// </summary>
    [Required]
    [MinLength(1)]
    public string Url { get; set; } = string.Empty;

    /// <summary>Gets or sets a value indicating whether the camera is analysed. <value>The default value is <see langword="true"/>.</value></summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Gets or sets the analysis rate in frames per second, overriding <c>Capture:Fps</c>.</summary>
    [Range(0.1, 60)]
    public double? Fps { get; set; }

    /// <summary>
    /// Gets or sets what ffmpeg decodes for this camera (<c>all</c> or <c>keyframes</c>), overriding <c>Capture:DecodeMode</c>.
    /// Hot-reloadable: a change restarts this camera's capture only. <value>The default value is <see langword="null"/>: <c>Capture:DecodeMode</c>.</value>
    /// </summary>
    public DecodeMode? DecodeMode { get; set; }

    /// <summary>
    /// Gets or sets how the camera's picture is analysed: <c>frame</c> (the whole frame at <c>Capture:Width</c>×<c>Height</c>) or
    /// <c>beds</c> (each bed's region at <c>Capture:BedsWidth</c>×<c>BedsHeight</c>, for a wide camera over several beds).
    /// Hot-reloadable: a change restarts this camera's capture only.
    /// <value>The default value is <see langword="null"/>: <see cref="AnalysisMode.Frame"/>.</value>
    /// </summary>
    public AnalysisMode? Analysis { get; set; }

    /// <summary>
    /// Gets or sets the region of interest (the bed area) as fractions of the frame. Detection runs on this region only.
    /// <value>The default value is <see langword="null"/>: the whole frame.</value>
    /// </summary>
    [ValidateObjectMembers]
    public RegionOptions? Region { get; set; }

    /// <summary>
    /// Gets or sets this camera's scorer: <c>geometric</c> or <c>onnx:&lt;model&gt;</c> (a key of <c>Scoring:Models</c>), overriding
    /// <c>Scoring:Scorer</c>. Hot-reloadable among the models loaded at start-up: the camera's patients are re-created with
    /// the new scorer (their open episodes end).
    /// <value>The default value is <see langword="null"/>: <c>Scoring:Scorer</c>.</value>
    /// </summary>
    [RegularExpression(ScoringOptions.ScorerPattern, ErrorMessage = "The {0} field must be 'geometric' or 'onnx:<model name>'.")]
    public string? Scorer { get; set; }

    /// <summary>Gets or sets this camera's overrides of the global <c>Alerting</c> settings (hot-reloadable).</summary>
    [ValidateObjectMembers]
    public AlertingOverrides? Alerting { get; set; }

    /// <summary>
    /// Gets or sets the beds this camera watches: bed name (<c>[a-z0-9_-]{1,64}</c>, used in MQTT topics) to its region in
    /// fractions of the frame (and optional <c>Alerting</c> overrides). Each bed is one patient with its own score, alerts and baseline; the patient's face is the
    /// face in the bed's region that has been there longest. Beds must not overlap and should lie inside <see cref="Region"/>
    /// (checked by <see cref="CameraBeds.Validate"/>).
    /// <value>The default value is <see langword="null"/>: one bed named <c>bed</c> covering the whole frame.</value>
    /// </summary>
#pragma warning disable CA2227 // Bound from configuration, where a missing section must stay null (one whole-frame bed).
    public Dictionary<string, BedOptions>? Beds { get; set; }
#pragma warning restore CA2227
}

/// <summary>A rectangle in fractions of the frame (0 = left/top, 1 = right/bottom).</summary>
public class RegionOptions
{
    /// <summary>Gets or sets the left edge, 0–1.</summary>
    [Range(0.0, 1.0)]
    public double X { get; set; }

    /// <summary>Gets or sets the top edge, 0–1.</summary>
    [Range(0.0, 1.0)]
    public double Y { get; set; }

    /// <summary>Gets or sets the width, 0–1. <value>The default value is 1.</value></summary>
    [Range(0.01, 1.0)]
    public double Width { get; set; } = 1;

    /// <summary>Gets or sets the height, 0–1. <value>The default value is 1.</value></summary>
    [Range(0.01, 1.0)]
    public double Height { get; set; } = 1;
}

/// <summary>One bed: its region (fractions of the frame), its mode and optional alert overrides (hot-reloadable).</summary>
public sealed class BedOptions : RegionOptions
{
    /// <summary>
    /// Gets or sets who lies in the bed: <c>adult</c> (scored by the camera's scorer on the PSPI scale, 0–16) or <c>infant</c>
    /// (seed 003: seven AU intensities through the infant MLP of <c>Scoring:InfantModel</c>, FLACC scale 0–10, with the
    /// thresholds of <c>Alerting:Infant</c>). Hot-reloadable: a bed that changes mode starts afresh (its open episodes end), as
    /// for a camera that changes scorer. <value>The default value is <see langword="null"/>: <c>adult</c>.</value>
    /// </summary>
    public string? Mode { get; set; }

    /// <summary>Gets the parsed <see cref="Mode"/> (<see cref="BedMode.Adult"/> when unset; validation refuses any other text).</summary>
    public BedMode BedMode => TryParseMode(Mode, out var mode) ? mode : BedMode.Adult;

    /// <summary>Parses a bed mode: <c>adult</c> or <c>infant</c> (any case), or unset.</summary>
    /// <param name="text">The configured text.</param>
    /// <param name="mode">The mode (<see cref="BedMode.Adult"/> when unset).</param>
    /// <returns><see langword="false"/> for any other text.</returns>
    public static bool TryParseMode(string? text, out BedMode mode)
    {
        mode = BedMode.Adult;
        if (text is null || string.Equals(text, "adult", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (string.Equals(text, "infant", StringComparison.OrdinalIgnoreCase))
        {
            mode = BedMode.Infant;
            return true;
        }

        return false;
    }

    /// <summary>Gets or sets this bed's overrides of the camera's and the global <c>Alerting</c> settings.</summary>
    public AlertingOverrides? Alerting { get; set; }
}
