// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Cameras;
using PainStream.Core.Tracking;

namespace PainStream.Core.Options;

/// <summary>
/// A camera's <c>Beds</c> configuration as a <see cref="BedLayout"/>. Lives on the Options side so that the dependency runs
/// one way (Options → Tracking): the tracker knows nothing of configuration classes.
/// </summary>
public static class CameraBeds
{
    /// <summary>Builds a camera's layout from its options: its <c>Beds</c>, or <see cref="BedLayout.WholeFrame"/> when there are none.</summary>
    /// <param name="camera">The camera's options (validate them first with <see cref="Validate"/>).</param>
    /// <returns>The layout.</returns>
    /// <exception cref="ArgumentException">A bed is invalid.</exception>
    public static BedLayout ToLayout(CameraOptions camera)
    {
        ArgumentNullException.ThrowIfNull(camera);
        if (camera.Beds is not { Count: > 0 } beds)
        {
            return BedLayout.WholeFrame;
        }

        if (beds.Values.Any(r => r is null))
        {
            throw new ArgumentException("A bed has no region.", nameof(camera));
        }

        return new BedLayout(beds.Select(b => KeyValuePair.Create(b.Key, ToRegion(b.Value))));
    }

    /// <summary>
    /// Checks a camera's <c>Beds</c> (<see cref="BedLayout.Validate(string, IEnumerable{KeyValuePair{string, NormalizedRegion?}}, NormalizedRegion?, string)"/>):
    /// names, each region inside the frame, no two beds overlapping, each bed overlapping the camera's <c>Region</c>.
    /// </summary>
    /// <param name="cameraName">The camera's configured name, for the key paths.</param>
    /// <param name="camera">The camera's options.</param>
    /// <returns>One problem per line, as <c>"Cameras:&lt;camera&gt;:Beds:&lt;bed&gt;: reason"</c>; empty when valid or without beds.</returns>
    public static IReadOnlyList<string> Validate(string cameraName, CameraOptions camera)
    {
        ArgumentNullException.ThrowIfNull(cameraName);
        ArgumentNullException.ThrowIfNull(camera);
        if (camera.Beds is not { Count: > 0 } beds)
        {
            return [];
        }

        return BedLayout.Validate(
            $"{CamerasOptions.SectionName}:{cameraName}:{nameof(CameraOptions.Beds)}:",
            beds.Select(b => KeyValuePair.Create(b.Key, b.Value is { } r ? ToRegion(r) : (NormalizedRegion?)null)),
            camera.Region is { } roi ? ToRegion(roi) : null,
            nameof(CameraOptions.Region));
    }

    private static NormalizedRegion ToRegion(RegionOptions region) => new(region.X, region.Y, region.Width, region.Height);
}
