// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Alerting;
using PainStream.Core.Detection;
using PainStream.Core.Frames;

namespace PainStream.Core.Cameras;

/// <summary>One camera's resolved settings (camera values over <c>Capture</c> defaults), immutable.</summary>
/// <param name="Camera">The camera.</param>
/// <param name="Url">The stream address (may contain credentials: never log it, use <see cref="RedactedUrl"/>).</param>
/// <param name="Enabled">Whether it is analysed.</param>
/// <param name="Fps">Analysis frames per second.</param>
/// <param name="Width">Analysis width.</param>
/// <param name="Height">Analysis height.</param>
/// <param name="Region">The region of interest, or <see langword="null"/> for the whole frame.</param>
public sealed record CameraSettings(CameraId Camera, string Url, bool Enabled, double Fps, int Width, int Height, NormalizedRegion? Region)
{
    /// <summary>The bed name used when a camera configures no beds: one bed covering the frame (or its region).</summary>
    public const string DefaultBed = "bed";

    /// <summary>Gets the beds watched by this camera, each with its resolved alert policy (never empty once resolved).</summary>
    public IReadOnlyList<BedSettings> Beds { get; init; } = [new BedSettings(DefaultBed, new NormalizedRegion(0, 0, 1, 1), AlertPolicy.Default)];

    /// <summary>Gets the camera's scorer: <c>geometric</c> or <c>onnx:&lt;model&gt;</c> (its own setting or <c>Scoring:Scorer</c>).</summary>
    public string Scorer { get; init; } = Options.ScoringOptions.GeometricScorer;

    /// <summary>Gets what ffmpeg decodes: every frame at <see cref="Fps"/>, or key frames only at the camera's keyframe rate.</summary>
    public DecodeMode DecodeMode { get; init; } = DecodeMode.All;

    /// <summary>
    /// Gets how the picture is analysed: the whole frame, or each bed's region (<see cref="Width"/>×<see cref="Height"/> is then
    /// <c>Capture:BedsWidth</c>×<c>BedsHeight</c>, and the detector runs once per bed; see <see cref="AnalysisTiles"/>).
    /// </summary>
    public AnalysisMode Analysis { get; init; } = AnalysisMode.Frame;

    /// <summary>Gets the URL with any user information replaced by <c>***</c>, safe for logs and status messages.</summary>
    public string RedactedUrl => Redact(Url);

    /// <summary>Replaces the user information of a URL with <c>***</c>.</summary>
    /// <param name="url">The URL.</param>
    /// <returns>The URL without credentials.</returns>
    public static string Redact(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        var scheme = url.IndexOf("://", StringComparison.Ordinal);
        if (scheme < 0)
        {
            return url;
        }

        // User information ends at the last '@' before the path (a password may itself contain '@', as ffmpeg allows).
        var hostStart = scheme + 3;
        var pathStart = url.IndexOfAny(['/', '?', '#'], hostStart);
        var authority = pathStart < 0 ? url.Length : pathStart;
        var at = url.LastIndexOf('@', authority - 1, authority - hostStart);
        return at >= hostStart ? string.Concat(url.AsSpan(0, hostStart), "***", url.AsSpan(at)) : url;
    }
}

/// <summary>A rectangle in fractions of the frame.</summary>
/// <param name="X">Left edge, 0–1.</param>
/// <param name="Y">Top edge, 0–1.</param>
/// <param name="Width">Width, 0–1.</param>
/// <param name="Height">Height, 0–1.</param>
public readonly record struct NormalizedRegion(double X, double Y, double Width, double Height)
{
    /// <summary>Converts to pixels of a <paramref name="frameWidth"/> x <paramref name="frameHeight"/> frame, clamped to it.</summary>
    /// <param name="frameWidth">Frame width.</param>
    /// <param name="frameHeight">Frame height.</param>
    /// <returns>The pixel rectangle, at least 1x1.</returns>
    public PixelRect ToPixels(int frameWidth, int frameHeight)
    {
        var x = Math.Clamp((int)Math.Round(X * frameWidth), 0, frameWidth - 1);
        var y = Math.Clamp((int)Math.Round(Y * frameHeight), 0, frameHeight - 1);
        var w = Math.Clamp((int)Math.Round(Width * frameWidth), 1, frameWidth - x);
        var h = Math.Clamp((int)Math.Round(Height * frameHeight), 1, frameHeight - y);
        return new PixelRect(x, y, w, h);
    }
}

/// <summary>One bed watched by a camera: the patient's face is looked for in its region.</summary>
/// <param name="Name">The bed name (<c>[a-z0-9_-]{1,64}</c>, used in MQTT topics).</param>
/// <param name="Region">The bed's region of the frame, normalised.</param>
/// <param name="Policy">The bed's alert policy (global defaults, then camera and bed overrides).</param>
public sealed record BedSettings(string Name, NormalizedRegion Region, AlertPolicy Policy)
{
    /// <summary>Gets who lies in the bed (<see cref="BedMode.Infant"/>: the infant scorer and the FLACC scale).</summary>
    public BedMode Mode { get; init; } = BedMode.Adult;

    /// <summary>
    /// Gets the bed's scorer setting: <see cref="Options.ScoringOptions.InfantScorer"/> for an infant bed, otherwise the camera's.
    /// A change re-creates the patient (other scale, other state).
    /// </summary>
    /// <param name="camera">The bed's camera.</param>
    /// <returns>The setting.</returns>
    public string ScorerOf(CameraSettings camera)
    {
        ArgumentNullException.ThrowIfNull(camera);
        return Mode == BedMode.Infant ? Options.ScoringOptions.InfantScorer : camera.Scorer;
    }

    /// <summary>Gets a value indicating whether a point (frame pixels) lies in the bed's region.</summary>
    /// <param name="point">The point.</param>
    /// <param name="frameWidth">Frame width in pixels.</param>
    /// <param name="frameHeight">Frame height in pixels.</param>
    /// <returns><see langword="true"/> when inside.</returns>
    public bool Contains(PointF point, int frameWidth, int frameHeight)
    {
        var x = point.X / frameWidth;
        var y = point.Y / frameHeight;
        return x >= Region.X && x < Region.X + Region.Width && y >= Region.Y && y < Region.Y + Region.Height;
    }
}
