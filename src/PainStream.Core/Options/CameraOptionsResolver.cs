// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Collections.Frozen;
using PainStream.Core.Cameras;
using PainStream.Core.Frames;

namespace PainStream.Core.Options;

/// <summary>
/// Maps the validated options onto the cameras' settings (<see cref="CameraSettings"/>, <see cref="BedSettings"/>) that
/// <see cref="CameraCatalog"/> holds: the mapping lives beside the options, so Cameras does not depend on Options.
/// </summary>
public static class CameraOptionsResolver
{
    /// <summary>Resolves the cameras of a validated configuration (adding the demo camera when none is configured).</summary>
    /// <param name="cameras">The <c>Cameras</c> section.</param>
    /// <param name="capture">The <c>Capture</c> defaults.</param>
    /// <param name="demo">The <c>Demo</c> section.</param>
    /// <param name="contentRoot">Directory relative paths are resolved against.</param>
    /// <param name="alerting">The global <c>Alerting</c> section (defaults when <see langword="null"/>).</param>
    /// <param name="defaultScorer"><c>Scoring:Scorer</c>, for cameras that do not set their own (<c>geometric</c> when <see langword="null"/>).</param>
    /// <returns>The resolved settings by camera.</returns>
    public static FrozenDictionary<CameraId, CameraSettings> Resolve(
        CamerasOptions cameras,
        CaptureOptions capture,
        DemoOptions demo,
        string contentRoot,
        AlertingOptions? alerting = null,
        string? defaultScorer = null)
    {
        ArgumentNullException.ThrowIfNull(cameras);
        ArgumentNullException.ThrowIfNull(capture);
        ArgumentNullException.ThrowIfNull(demo);
        alerting ??= new AlertingOptions();
        var result = new Dictionary<CameraId, CameraSettings>();
        foreach (var (name, camera) in cameras)
        {
            var id = new CameraId(name);
            NormalizedRegion? region = camera.Region is { } r ? new NormalizedRegion(r.X, r.Y, r.Width, r.Height) : null;
            var analysis = camera.Analysis ?? AnalysisMode.Frame;
            var (width, height) = capture.AnalysisSize(analysis);
            result[id] = new CameraSettings(id, camera.Url, camera.Enabled, camera.Fps ?? capture.Fps, width, height, region)
            {
                Analysis = analysis,
                Beds = ResolveBeds(camera, alerting),
                Scorer = camera.Scorer ?? defaultScorer ?? ScoringOptions.GeometricScorer,
                DecodeMode = camera.DecodeMode ?? capture.DecodeMode,
            };
        }

        if (result.Count == 0 && demo.Enabled)
        {
            var id = new CameraId(DemoOptions.CameraName);
            var path = Path.IsPathRooted(demo.ClipPath) ? demo.ClipPath : Path.Combine(contentRoot, demo.ClipPath);
            result[id] = new CameraSettings(id, path, Enabled: true, capture.Fps, capture.Width, capture.Height, Region: null)
            {
                Beds = [new BedSettings(CameraSettings.DefaultBed, new NormalizedRegion(0, 0, 1, 1), alerting.Resolve())],
                Scorer = defaultScorer ?? ScoringOptions.GeometricScorer,
                DecodeMode = capture.DecodeMode,
            };
        }

        return result.ToFrozenDictionary();
    }

    /// <summary>Resolves a camera's beds with their policies.</summary>
    /// <param name="camera">The camera's options.</param>
    /// <param name="alerting">The global alert settings.</param>
    /// <returns>The beds (one default bed when none is configured).</returns>
    public static IReadOnlyList<BedSettings> ResolveBeds(CameraOptions camera, AlertingOptions alerting)
    {
        ArgumentNullException.ThrowIfNull(camera);
        ArgumentNullException.ThrowIfNull(alerting);
        if (camera.Beds is not { Count: > 0 } beds)
        {
            var whole = new NormalizedRegion(0, 0, 1, 1);
            return [new BedSettings(CameraSettings.DefaultBed, whole, alerting.Resolve(camera.Alerting))];
        }

        // Ordinal name order, as the tracker's bed layout keeps them.
        return beds.OrderBy(b => b.Key, StringComparer.Ordinal)
            .Select(b => new BedSettings(
                b.Key,
                new NormalizedRegion(b.Value.X, b.Value.Y, b.Value.Width, b.Value.Height),
                alerting.Resolve(b.Value.BedMode, camera.Alerting, b.Value.Alerting))
            {
                Mode = b.Value.BedMode,
            })
            .ToList();
    }
}
