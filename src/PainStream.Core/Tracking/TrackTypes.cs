// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Detection;

namespace PainStream.Core.Tracking;

/// <summary>The identity of one face track within one camera's <see cref="FaceTracker"/>: positive, never reused by that tracker.</summary>
/// <param name="Value">The id; 0 is <see cref="None"/>.</param>
public readonly record struct TrackId(long Value)
{
    /// <summary>No track.</summary>
    public static readonly TrackId None;

    /// <summary>Gets a value indicating whether this is <see cref="None"/>.</summary>
    public bool IsNone => Value == 0;

    /// <inheritdoc/>
    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>One face of one frame, as handed to <see cref="FaceTracker.Update"/>.</summary>
/// <param name="Box">The face box in frame pixels.</param>
/// <param name="Landmarks">
/// The face's landmarks in frame pixels (68 points in iBUG 300-W order), or empty when they are not known. They are
/// read during <see cref="FaceTracker.Update"/> only (copied into the track), so a pooled buffer may be reused afterwards.
/// </param>
public readonly record struct TrackInput(BoxF Box, ReadOnlyMemory<PointF> Landmarks = default);

/// <summary>The patient's face of one bed in one frame.</summary>
/// <param name="Track">
/// The bed's patient track: the track that has been in the bed longest, which may be lost in this frame (then
/// <paramref name="InputIndex"/> is −1); <see cref="TrackId.None"/> when no track is in the bed.
/// </param>
/// <param name="InputIndex">The index of the patient's face among this frame's inputs, or −1 when it was not seen in this frame.</param>
public readonly record struct BedFace(TrackId Track, int InputIndex)
{
    /// <summary>No track in the bed.</summary>
    public static readonly BedFace Empty = new(TrackId.None, -1);

    /// <summary>Gets a value indicating whether the patient's face was seen in this frame (and <see cref="InputIndex"/> points at it).</summary>
    public bool HasFace => InputIndex >= 0;
}

/// <summary>
/// The result of one <see cref="FaceTracker.Update"/>: views over the tracker's reused buffers, valid until its next
/// <see cref="FaceTracker.Update"/> or <see cref="FaceTracker.Reset"/> (copy what must outlive that).
/// </summary>
public readonly ref struct TrackerUpdate
{
    /// <summary>Initializes a new instance of the <see cref="TrackerUpdate"/> struct.</summary>
    /// <param name="trackIds">Per input, its track.</param>
    /// <param name="expired">The tracks that expired in this update.</param>
    /// <param name="beds">Per bed, its patient's face.</param>
    public TrackerUpdate(ReadOnlySpan<TrackId> trackIds, ReadOnlySpan<TrackId> expired, ReadOnlySpan<BedFace> beds)
    {
        TrackIds = trackIds;
        Expired = expired;
        Beds = beds;
    }

    /// <summary>
    /// Gets the track of each input, in input order; <see cref="TrackId.None"/> for an input with a degenerate box, or one
    /// that found no track while <see cref="FaceTrackerOptions.MaxTracks"/> tracks were alive.
    /// </summary>
    public ReadOnlySpan<TrackId> TrackIds { get; }

    /// <summary>Gets the tracks that expired in this update (lost for longer than <see cref="FaceTrackerOptions.GracePeriod"/>).</summary>
    public ReadOnlySpan<TrackId> Expired { get; }

    /// <summary>Gets the patient's face of each bed, in <see cref="BedLayout"/> order (index <c>i</c> is <see cref="BedLayout.Names"/>[i]).</summary>
    public ReadOnlySpan<BedFace> Beds { get; }
}
