// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Cameras;
using PainStream.Core.Detection;
using PainStream.Core.Frames;

namespace PainStream.Core.Tracking;

/// <summary>
/// Bed assignment through a <see cref="FaceTracker"/> per camera: faces are followed across frames (IoU + landmark
/// distance) and each bed's patient is the tracked face that has been in the bed longest, so a nurse leaning in does not
/// take over the bed, and a patient briefly lost keeps the bed for the tracker's grace period (reported as no face).
/// </summary>
/// <remarks>Not thread-safe: called by the patient stage under its gate. A camera's tracker is rebuilt when its beds or its
/// frame size change (hot reload).</remarks>
public sealed class TrackingBedAssigner : IBedAssigner
{
    private readonly FaceTrackerOptions _options;
    private readonly Dictionary<CameraId, CameraTracker> _trackers = [];
    private TrackInput[] _inputs = new TrackInput[8];

    /// <summary>Initializes a new instance of the <see cref="TrackingBedAssigner"/> class.</summary>
    /// <param name="options">Tracker settings; defaults when <see langword="null"/>.</param>
    public TrackingBedAssigner(FaceTrackerOptions? options = null) => _options = options ?? FaceTrackerOptions.Default;

    /// <inheritdoc/>
    public void Assign(FaceObservation observation, IReadOnlyList<BedSettings> beds, IReadOnlyList<FaceAnalysis> faces, List<FaceAnalysis?> result)
    {
        ArgumentNullException.ThrowIfNull(observation);
        ArgumentNullException.ThrowIfNull(beds);
        ArgumentNullException.ThrowIfNull(faces);
        ArgumentNullException.ThrowIfNull(result);
        var tracker = GetTracker(observation, beds);
        if (_inputs.Length < faces.Count)
        {
            _inputs = new TrackInput[Math.Max(faces.Count, _inputs.Length * 2)];
        }

        for (var i = 0; i < faces.Count; i++)
        {
            _inputs[i] = new TrackInput(faces[i].Box, faces[i].Landmarks);
        }

        var update = tracker.Tracker.Update(observation.CapturedAt, _inputs.AsSpan(0, faces.Count));
        foreach (var bed in beds)
        {
            var index = tracker.Tracker.Beds.IndexOf(bed.Name);
            var owner = index >= 0 ? update.Beds[index] : BedFace.Empty;
            result.Add(owner.HasFace ? faces[owner.InputIndex] : null);
        }
    }

    /// <summary>Gets the number of cameras whose tracker is held (tests: a removed camera frees its tracker).</summary>
    internal int TrackedCameras => _trackers.Count;

    /// <inheritdoc/>
    public void Forget(CameraId camera) => _trackers.Remove(camera);

    private CameraTracker GetTracker(FaceObservation observation, IReadOnlyList<BedSettings> beds)
    {
        if (_trackers.TryGetValue(observation.Camera, out var existing)
            && existing.Width == observation.FrameWidth
            && existing.Height == observation.FrameHeight
            && SameBeds(existing.Beds, beds))
        {
            return existing;
        }

        var layout = new BedLayout(beds.Select(b => KeyValuePair.Create(b.Name, b.Region)));
        var created = new CameraTracker(new FaceTracker(layout, observation.FrameWidth, observation.FrameHeight, _options), beds, observation.FrameWidth, observation.FrameHeight);
        _trackers[observation.Camera] = created;
        return created;
    }

    private static bool SameBeds(IReadOnlyList<BedSettings> a, IReadOnlyList<BedSettings> b)
    {
        if (ReferenceEquals(a, b))
        {
            return true;
        }

        if (a.Count != b.Count)
        {
            return false;
        }

        for (var i = 0; i < a.Count; i++)
        {
            if (!string.Equals(a[i].Name, b[i].Name, StringComparison.Ordinal) || a[i].Region != b[i].Region)
            {
                return false;
            }
        }

        return true;
    }

    private sealed record CameraTracker(FaceTracker Tracker, IReadOnlyList<BedSettings> Beds, int Width, int Height);
}
