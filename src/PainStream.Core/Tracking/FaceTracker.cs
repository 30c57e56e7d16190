// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Detection;

namespace PainStream.Core.Tracking;

/// <summary>
/// Tracks the faces of one camera from frame to frame and picks, for each bed, the patient's face, so that each patient
/// (camera, bed) has one timeline.
/// </summary>
/// <remarks>
/// <para>Each <see cref="Update"/>, in order:</para>
/// <list type="number">
/// <item><description>Tracks not seen for longer than <see cref="FaceTrackerOptions.GracePeriod"/> expire (reported in
/// <see cref="TrackerUpdate.Expired"/>; their ids are never reused).</description></item>
/// <item><description>The remaining tracks, seen or lost, are matched to the new faces by the optimal assignment
/// (<see cref="AssignmentSolver"/>) over the cost and gates of <see cref="FaceTrackerOptions"/> (IoU and mean landmark
/// distance normalised by face size). A matched track takes the face's box and landmarks; a lost track stays where it was
/// last seen, so it is picked up again only near there.</description></item>
/// <item><description>Each unmatched face starts a new track.</description></item>
/// <item><description>Each seen track is placed in the bed containing its box centre (<see cref="BedLayout.FindBed"/>);
/// it is "in the bed since" the first of its consecutive sightings there. A lost track keeps its bed and its time.</description></item>
/// <item><description>Each bed's patient is its track in the bed longest (earliest "since"; ties: larger box, then older
/// track). A nurse or visitor leaning in is newer, so they never take the bed over while the patient's track lives. When the
/// patient's track is lost in this frame the bed reports it without a face (<see cref="BedFace.HasFace"/> false) rather
/// than scoring someone else; the bed passes to the next face when the patient's track is seen outside the bed or expires.</description></item>
/// </list>
/// <para>
/// Tracks map to beds, and timelines (score, alert state, baseline) are kept per bed, not per track: a patient briefly
/// lost and found again within the grace period keeps the same track and the bed; one lost for longer comes back as a new
/// track that becomes the bed's patient once the old one has expired (or at once, when no other face is in the bed).
/// </para>
/// <para>
/// Times should not go backwards; a step back counts as no time passing. Once the tracker has seen its largest frame,
/// <see cref="Update"/> does not allocate: tracks, landmark copies and buffers are reused.
/// </para>
/// <para>Not thread-safe: one instance per camera, called by one owner in frame order.</para>
/// </remarks>
public sealed class FaceTracker
{
    private readonly FaceTrackerOptions _options;
    private readonly BedLayout _beds;
    private readonly int _frameWidth;
    private readonly int _frameHeight;
    private readonly AssignmentSolver _solver = new();

    // [0, _count) are live tracks; [_count, _allocated) are retired ones kept for reuse.
    private readonly Track?[] _slots;
    private readonly int[] _rowToColumn;
    private readonly TrackId[] _expired;
    private readonly BedFace[] _bedFaces;
    private readonly Track?[] _owners;
    private TrackId[] _inputIds = new TrackId[8];
    private double[] _costs = [];
    private int _count;
    private int _allocated;
    private int _expiredCount;
    private int _inputCount;
    private long _nextId = 1;

    /// <summary>Initializes a new instance of the <see cref="FaceTracker"/> class.</summary>
    /// <param name="beds">The camera's beds (<see cref="BedLayout.WholeFrame"/> for a camera without <c>Beds</c>).</param>
    /// <param name="frameWidth">The width of the frames the face boxes are in, in pixels.</param>
    /// <param name="frameHeight">The height of the frames the face boxes are in, in pixels.</param>
    /// <param name="options">Association and lifetime settings; <see cref="FaceTrackerOptions.Default"/> when <see langword="null"/>.</param>
    /// <exception cref="ArgumentException">The frame size or the options are invalid.</exception>
    public FaceTracker(BedLayout beds, int frameWidth, int frameHeight, FaceTrackerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(beds);
        ArgumentOutOfRangeException.ThrowIfLessThan(frameWidth, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(frameHeight, 1);
        _options = options ?? FaceTrackerOptions.Default;
        _options.ThrowIfInvalid();
        _beds = beds;
        _frameWidth = frameWidth;
        _frameHeight = frameHeight;
        _slots = new Track?[_options.MaxTracks];
        _rowToColumn = new int[_options.MaxTracks];
        _expired = new TrackId[_options.MaxTracks];
        _bedFaces = new BedFace[beds.Count];
        _owners = new Track?[beds.Count];
        _bedFaces.AsSpan().Fill(BedFace.Empty);
    }

    /// <summary>Gets the settings.</summary>
    public FaceTrackerOptions Options => _options;

    /// <summary>Gets the beds.</summary>
    public BedLayout Beds => _beds;

    /// <summary>Gets the number of live tracks (seen in the last update or lost within the grace period).</summary>
    public int TrackCount => _count;

    /// <summary>Tracks one frame's faces.</summary>
    /// <param name="timestamp">When the frame was captured.</param>
    /// <param name="faces">The frame's faces (boxes in frame pixels, landmarks when known); any number, including none.</param>
    /// <returns>Per input its track, the tracks that expired, and per bed its patient's face: valid until the next call.</returns>
    public TrackerUpdate Update(DateTimeOffset timestamp, ReadOnlySpan<TrackInput> faces)
    {
        Expire(timestamp);
        EnsureInputCapacity(faces.Length);
        _inputCount = faces.Length;
        var ids = _inputIds.AsSpan(0, faces.Length);
        ids.Clear();

        Associate(timestamp, faces, ids);

        for (var c = 0; c < faces.Length; c++)
        {
            if (ids[c].IsNone && IsUsable(faces[c].Box) && _count < _slots.Length)
            {
                var track = Add(timestamp);
                track.Observe(timestamp, faces[c], c);
                ids[c] = track.Id;
            }
        }

        AssignBeds(timestamp);
        return Current;
    }

    /// <summary>Forgets every track (without reporting them as expired); ids keep counting up.</summary>
    public void Reset()
    {
        _count = 0;
        _expiredCount = 0;
        _inputCount = 0;
        _bedFaces.AsSpan().Fill(BedFace.Empty);
    }

    private TrackerUpdate Current =>
        new(_inputIds.AsSpan(0, _inputCount), _expired.AsSpan(0, _expiredCount), _bedFaces);

    private static bool IsUsable(BoxF box) =>
        float.IsFinite(box.X) && float.IsFinite(box.Y) && float.IsFinite(box.Width) && float.IsFinite(box.Height)
        && box.Width > 0 && box.Height > 0;

    private static float Distance(PointF a, PointF b)
    {
        var dx = a.X - b.X;
        var dy = a.Y - b.Y;
        return MathF.Sqrt((dx * dx) + (dy * dy));
    }

    private static float MeanDistance(ReadOnlySpan<PointF> a, ReadOnlySpan<PointF> b)
    {
        var sum = 0f;
        for (var i = 0; i < a.Length; i++)
        {
            sum += Distance(a[i], b[i]);
        }

        return sum / a.Length;
    }

    private static bool IsBetterPatient(Track candidate, Track current)
    {
        if (candidate.BedSince != current.BedSince)
        {
            return candidate.BedSince < current.BedSince;
        }

        var a = candidate.Box.Area;
        var b = current.Box.Area;
        return a != b ? a > b : candidate.Id.Value < current.Id.Value;
    }

    private void Expire(DateTimeOffset timestamp)
    {
        _expiredCount = 0;

        // Backwards, so the swap in Remove only moves tracks already looked at.
        for (var i = _count - 1; i >= 0; i--)
        {
            var track = _slots[i]!;
            track.InputIndex = -1;
            if (timestamp - track.LastSeen > _options.GracePeriod)
            {
                _expired[_expiredCount++] = track.Id;
                Remove(i);
            }
        }
    }

    private void Associate(DateTimeOffset timestamp, ReadOnlySpan<TrackInput> faces, Span<TrackId> ids)
    {
        var rows = _count;
        var columns = faces.Length;
        if (rows == 0 || columns == 0)
        {
            return;
        }

        var costs = _costs.AsSpan(0, rows * columns);
        for (var r = 0; r < rows; r++)
        {
            var track = _slots[r]!;
            for (var c = 0; c < columns; c++)
            {
                costs[(r * columns) + c] = Cost(track, faces[c]);
            }
        }

        _solver.Solve(costs, rows, columns, _rowToColumn);
        for (var r = 0; r < rows; r++)
        {
            var c = _rowToColumn[r];
            if (c >= 0)
            {
                var track = _slots[r]!;
                track.Observe(timestamp, faces[c], c);
                ids[c] = track.Id;
            }
        }
    }

    private double Cost(Track track, in TrackInput face)
    {
        var box = face.Box;
        if (!IsUsable(box))
        {
            return double.PositiveInfinity;
        }

        var options = _options;
        var size = MathF.Sqrt(track.Box.Area);
        var ratio = MathF.Sqrt(box.Area) / size;
        if (!(ratio <= options.MaxSizeRatio && ratio * options.MaxSizeRatio >= 1))
        {
            return double.PositiveInfinity;
        }

        var landmarks = face.Landmarks.Span;
        var distance = float.NaN;
        if (track.LandmarkCount > 0 && landmarks.Length == track.LandmarkCount)
        {
            distance = MeanDistance(track.Landmarks.AsSpan(0, track.LandmarkCount), landmarks) / size;
        }

        if (!float.IsFinite(distance))
        {
            // No comparable landmarks (or a broken one): the box centre is the one landmark both sides have.
            distance = Distance(track.Box.Center, box.Center) / size;
        }

        if (!(distance <= options.MaxDistance))
        {
            return double.PositiveInfinity;
        }

        var iou = track.Box.IntersectionOverUnion(box);
        return (options.IouWeight * (1 - iou)) + (options.DistanceWeight * (distance / options.MaxDistance));
    }

    private void AssignBeds(DateTimeOffset timestamp)
    {
        Array.Clear(_owners);
        for (var i = 0; i < _count; i++)
        {
            var track = _slots[i]!;
            if (track.InputIndex >= 0)
            {
                var bed = _beds.FindBed(track.Box.Center, _frameWidth, _frameHeight);
                if (bed != track.Bed)
                {
                    track.Bed = bed;
                    track.BedSince = timestamp;
                }
            }

            if (track.Bed >= 0 && (_owners[track.Bed] is not { } owner || IsBetterPatient(track, owner)))
            {
                _owners[track.Bed] = track;
            }
        }

        for (var b = 0; b < _bedFaces.Length; b++)
        {
            _bedFaces[b] = _owners[b] is { } patient ? new BedFace(patient.Id, patient.InputIndex) : BedFace.Empty;
        }

        // Do not keep retired tracks reachable through the scratch array.
        Array.Clear(_owners);
    }

    private Track Add(DateTimeOffset timestamp)
    {
        if (_count == _allocated)
        {
            _slots[_allocated++] = new Track();
        }

        var track = _slots[_count++]!;
        track.Start(new TrackId(_nextId++), timestamp);
        return track;
    }

    private void Remove(int index)
    {
        var last = _count - 1;
        (_slots[index], _slots[last]) = (_slots[last], _slots[index]);
        _count = last;
    }

    private void EnsureInputCapacity(int inputs)
    {
        if (_inputIds.Length < inputs)
        {
            _inputIds = new TrackId[Math.Max(inputs, _inputIds.Length * 2)];
        }

        var cells = _slots.Length * Math.Max(inputs, 1);
        if (_costs.Length < cells)
        {
            _costs = new double[_slots.Length * _inputIds.Length];
        }
    }

    private sealed class Track
    {
        public TrackId Id { get; private set; }

        public BoxF Box { get; private set; }

        public PointF[] Landmarks { get; private set; } = [];

        public int LandmarkCount { get; private set; }

        public DateTimeOffset LastSeen { get; private set; }

        public int InputIndex { get; set; } = -1;

        public int Bed { get; set; } = -1;

        public DateTimeOffset BedSince { get; set; }

        public void Start(TrackId id, DateTimeOffset timestamp)
        {
            Id = id;
            LastSeen = timestamp;
            LandmarkCount = 0;
            InputIndex = -1;
            Bed = -1;
            BedSince = timestamp;
        }

        public void Observe(DateTimeOffset timestamp, in TrackInput face, int inputIndex)
        {
            Box = face.Box;
            var landmarks = face.Landmarks.Span;
            if (Landmarks.Length < landmarks.Length)
            {
                Landmarks = new PointF[landmarks.Length];
            }

            landmarks.CopyTo(Landmarks);
            LandmarkCount = landmarks.Length;

            // A step back in time counts as no time passing.
            if (timestamp > LastSeen)
            {
                LastSeen = timestamp;
            }

            InputIndex = inputIndex;
        }
    }
}
