// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Collections.ObjectModel;
using System.Globalization;
using PainStream.Core.Cameras;
using PainStream.Core.Detection;
using PainStream.Core.Frames;

namespace PainStream.Core.Tracking;

/// <summary>
/// The beds one camera watches: named regions in fractions of the frame (<c>Cameras:&lt;camera&gt;:Beds</c>). Each bed is one
/// patient, so one timeline (score, alerts, baseline) per (camera, bed).
/// </summary>
/// <remarks>
/// <para>
/// Without <c>Beds</c> (absent or empty) a camera has one bed named <see cref="DefaultBedName"/> covering the whole frame
/// (<see cref="WholeFrame"/>): the single-patient camera. A camera's <c>Region</c> still limits where faces are detected,
/// so a bed is only useful where it overlaps the region.
/// </para>
/// <para>
/// Beds are kept in ordinal name order (<see cref="Names"/>), the order of <see cref="TrackerUpdate.Beds"/>. A face belongs
/// to the bed containing its box centre (edges included); beds must not overlap (<see cref="Validate"/>), so a centre on an
/// edge two beds share goes to the first in name order. Immutable and thread-safe.
/// </para>
/// </remarks>
public sealed class BedLayout
{
    /// <summary>The name of the single bed of a camera without <c>Beds</c>.</summary>
    public const string DefaultBedName = "bed";

    // Overlaps and overhangs below this (in fractions of the frame) are rounding in hand-written configuration.
    private const double Tolerance = 1e-4;

    private readonly string[] _names;
    private readonly NormalizedRegion[] _regions;

    /// <summary>Initializes a new instance of the <see cref="BedLayout"/> class.</summary>
    /// <param name="beds">Bed name (<c>[a-z0-9_-]{1,64}</c>) to region; at least one.</param>
    /// <exception cref="ArgumentException">No bed, or a name, region or overlap is invalid (the message lists each problem).</exception>
    public BedLayout(IEnumerable<KeyValuePair<string, NormalizedRegion>> beds)
    {
        ArgumentNullException.ThrowIfNull(beds);
        var sorted = beds.OrderBy(b => b.Key, StringComparer.Ordinal).ToArray();
        var problems = new List<string>();
        if (sorted.Length == 0)
        {
            problems.Add("at least one bed is needed");
        }

        CheckBeds(sorted.Select(b => (b.Key, (NormalizedRegion?)b.Value)).ToList(), string.Empty, problems);
        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid bed layout: " + string.Join("; ", problems), nameof(beds));
        }

        _names = sorted.Select(b => b.Key).ToArray();
        _regions = sorted.Select(b => b.Value).ToArray();
        Names = Array.AsReadOnly(_names);
    }

    /// <summary>Gets the layout of a camera without <c>Beds</c>: one bed named <see cref="DefaultBedName"/> covering the whole frame.</summary>
    public static BedLayout WholeFrame { get; } = new([new(DefaultBedName, new NormalizedRegion(0, 0, 1, 1))]);

    /// <summary>Gets the number of beds.</summary>
    public int Count => _names.Length;

    /// <summary>Gets the bed names in ordinal order (index <c>i</c> is bed <c>i</c> everywhere in the tracker).</summary>
    public ReadOnlyCollection<string> Names { get; }

    /// <summary>
    /// Checks a camera's beds: names <c>[a-z0-9_-]{1,64}</c>, each region inside the frame, no two beds overlapping, and each
    /// bed overlapping the camera's detection region when it has one. Options-free (Tracking does not depend on Options);
    /// <c>CameraBeds.Validate</c> in Options maps a camera's configuration onto it.
    /// </summary>
    /// <param name="prefix">The key path before each bed name (e.g. <c>Cameras:ward3:Beds:</c>).</param>
    /// <param name="beds">Bed name to region (<see langword="null"/> for a bed without one).</param>
    /// <param name="detection">The camera's detection region, or <see langword="null"/> for the whole frame.</param>
    /// <param name="detectionKey">The name of the detection region's key, for the message.</param>
    /// <returns>One problem per line, as <c>"&lt;prefix&gt;&lt;bed&gt;: reason"</c>; empty when valid.</returns>
    public static IReadOnlyList<string> Validate(string prefix, IEnumerable<KeyValuePair<string, NormalizedRegion?>> beds, NormalizedRegion? detection, string detectionKey)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        ArgumentNullException.ThrowIfNull(beds);
        var problems = new List<string>();
        var sorted = beds.OrderBy(b => b.Key, StringComparer.Ordinal).Select(b => (b.Key, b.Value)).ToList();
        CheckBeds(sorted, prefix, problems);
        if (detection is { } roi)
        {
            foreach (var (name, region) in sorted)
            {
                if (region is { } bed && IsInsideFrame(bed) && OverlapArea(bed, roi) <= Tolerance * Tolerance)
                {
                    problems.Add($"{prefix}{name}: lies outside the camera's {detectionKey}, where faces are detected, so it would never see a face");
                }
            }
        }

        return problems;
    }

    /// <summary>Finds a bed by name.</summary>
    /// <param name="name">The bed name.</param>
    /// <returns>Its index, or −1 when there is no such bed.</returns>
    public int IndexOf(string name) => Array.IndexOf(_names, name);

    /// <summary>Finds the bed containing a point (edges included; the first in name order on a shared edge).</summary>
    /// <param name="point">The point in frame pixels.</param>
    /// <param name="frameWidth">The frame width in pixels.</param>
    /// <param name="frameHeight">The frame height in pixels.</param>
    /// <returns>The bed index, or −1 when the point is in no bed.</returns>
    public int FindBed(PointF point, int frameWidth, int frameHeight)
    {
        var x = (double)point.X / frameWidth;
        var y = (double)point.Y / frameHeight;
        for (var i = 0; i < _regions.Length; i++)
        {
            var r = _regions[i];
            if (x >= r.X && x <= r.X + r.Width && y >= r.Y && y <= r.Y + r.Height)
            {
                return i;
            }
        }

        return -1;
    }

    private static void CheckBeds(List<(string Name, NormalizedRegion? Region)> beds, string prefix, List<string> problems)
    {
        for (var i = 0; i < beds.Count; i++)
        {
            var (name, region) = beds[i];
            var key = prefix + name;
            if (!CameraId.IsValid(name))
            {
                problems.Add($"{key}: bed name must match [a-z0-9_-]{{1,64}} (it is used in MQTT topics)");
            }

            if (region is not { } r)
            {
                problems.Add($"{key}: the bed has no region");
                continue;
            }

            if (!(r.X is >= 0 and <= 1) || !(r.Y is >= 0 and <= 1) || !(r.Width is >= 0.01 and <= 1) || !(r.Height is >= 0.01 and <= 1))
            {
                problems.Add($"{key}: X and Y must be 0–1, Width and Height 0.01–1 (fractions of the frame)");
            }
            else if (!IsInsideFrame(r))
            {
                problems.Add($"{key}: the bed reaches past the frame (X + Width and Y + Height must be at most 1)");
            }

            for (var j = 0; j < i; j++)
            {
                if (beds[j].Region is { } other && OverlapArea(r, other) > Tolerance * Tolerance)
                {
                    problems.Add(string.Create(
                        CultureInfo.InvariantCulture,
                        $"{key}: overlaps bed '{beds[j].Name}'; beds must not overlap, or a face in both would be one patient's in two beds"));
                }
            }
        }
    }

    private static bool IsInsideFrame(NormalizedRegion r) => r.X + r.Width <= 1 + Tolerance && r.Y + r.Height <= 1 + Tolerance;

    private static double OverlapArea(NormalizedRegion a, NormalizedRegion b)
    {
        var w = Math.Min(a.X + a.Width, b.X + b.Width) - Math.Max(a.X, b.X);
        var h = Math.Min(a.Y + a.Height, b.Y + b.Height) - Math.Max(a.Y, b.Y);
        return w > Tolerance && h > Tolerance ? w * h : 0;
    }
}
