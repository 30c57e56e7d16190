// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Globalization;
using PainStream.Core.Cameras;
using PainStream.Core.Options;

namespace PainStream.Hosting.Configuration;

/// <summary>
/// Warns about a bed whose region cannot give a patient's face the pixels the quality gate needs at the camera's analysis
/// size (issue 12, "bad input"): printed by <c>check-config</c> and at start, exit code unchanged.
/// </summary>
/// <remarks>
/// The camera's own resolution is not known before ffmpeg opens the stream, so the rule reasons from the analysis size the
/// configuration sets (<c>Capture:Width</c>×<c>Height</c> for <c>frame</c>, <c>Capture:BedsWidth</c>×<c>BedsHeight</c> for
/// <c>beds</c>), and says so. A patient's face is expected to get <see cref="AnalysisTiles.InterOcularPerBedLength"/> of the
/// region's longer side between the outer eye corners; <c>painstream score --camera</c> measures the real figure on a still.
/// </remarks>
internal static class BedPixelRules
{
    /// <summary>One warning per bed whose expected inter-ocular distance is below <c>FaceQuality:MinInterOcularPixels</c>.</summary>
    /// <param name="cameras">The <c>Cameras</c> section.</param>
    /// <param name="capture">The <c>Capture</c> section.</param>
    /// <param name="quality">The <c>FaceQuality</c> section.</param>
    /// <returns>The warnings, each starting with the bed's key.</returns>
    public static IReadOnlyList<string> Warnings(CamerasOptions cameras, CaptureOptions capture, FaceQualityOptions quality)
    {
        ArgumentNullException.ThrowIfNull(cameras);
        ArgumentNullException.ThrowIfNull(capture);
        ArgumentNullException.ThrowIfNull(quality);
        var warnings = new List<string>();
        foreach (var (name, camera) in cameras.OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            if (!camera.Enabled)
            {
                continue;
            }

            var mode = camera.Analysis ?? AnalysisMode.Frame;
            var (width, height) = capture.AnalysisSize(mode);
            var beds = camera.Beds is { Count: > 0 } configured
                ? configured.OrderBy(b => b.Key, StringComparer.Ordinal).Select(b => (Key: $"Beds:{b.Key}", Region: new NormalizedRegion(b.Value.X, b.Value.Y, b.Value.Width, b.Value.Height)))
                : [(Key: "Beds", Region: new NormalizedRegion(0, 0, 1, 1))];
            foreach (var (key, region) in beds)
            {
                var expected = AnalysisTiles.ExpectedInterOcularPixels(region, width, height);
                if (expected >= quality.MinInterOcularPixels)
                {
                    continue;
                }

                var pixels = region.ToPixels(width, height);
                var size = mode == AnalysisMode.Beds ? "Capture:BedsWidth×BedsHeight" : "Capture:Width×Height";
                var remedy = mode == AnalysisMode.Beds
                    ? "raise Capture:BedsWidth/BedsHeight (the camera must deliver that resolution) or place the camera nearer"
                    : $"set Cameras:{name}:Analysis to beds";
                warnings.Add(string.Create(
                    CultureInfo.InvariantCulture,
                    $"{CamerasOptions.SectionName}:{name}:{key}: region is {pixels.Width}×{pixels.Height} px at {width}×{height} {(mode == AnalysisMode.Beds ? "beds" : "frame")} analysis ({size}; the camera's own resolution is not known before ffmpeg opens it); "
                    + $"a patient's face there gets ≈ {expected:0} px between the eyes ({AnalysisTiles.InterOcularPerBedLength:0.###} of the bed's length), below {FaceQualityOptions.SectionName}:MinInterOcularPixels {quality.MinInterOcularPixels:0.##}; {remedy}; "
                    + $"measure it with painstream score --camera {name} STILL"));
            }
        }

        return warnings;
    }
}
