// Copyright (c) PainStream contributors. Licensed under the MIT License.

namespace PainStream.Tools.Synthesis;

/// <summary>What a neutral bed of the ward demo does at one time.</summary>
public enum WardEventKind
{
    /// <summary>The head turns by the event's angle and back.</summary>
    HeadTurn,

    /// <summary>The eyes close and open again.</summary>
    EyesClosed,
}

/// <summary>One movement of a neutral bed: from <paramref name="StartFrame"/> for <paramref name="FrameCount"/> frames.</summary>
/// <param name="Kind">What moves.</param>
/// <param name="StartFrame">The first frame that moves.</param>
/// <param name="FrameCount">The frames from the first movement to the neutral face again.</param>
/// <param name="YawDegrees">The turn, for <see cref="WardEventKind.HeadTurn"/> (signed, <see cref="GrimaceShape.YawDegrees"/>).</param>
public sealed record WardEvent(WardEventKind Kind, int StartFrame, int FrameCount, float YawDegrees);

/// <summary>
/// Which <see cref="GrimaceShape"/> each bed of the ward demo shows in each frame: the first bed follows a
/// <see cref="DemoClipTimeline"/> (neutral → grimace → neutral), every other bed stays neutral apart from two head turns
/// and two eye closures at seeded times after <see cref="WardSceneOptions.QuietSeconds"/>.
/// </summary>
/// <remarks>
/// The movements of a neutral bed are spread over four equal slots between the quiet start and two seconds before the end,
/// one movement per slot in a seeded order, at a seeded offset inside its slot; turns go once to each side. Turns and
/// closures ease in and out (smoothstep). Deterministic: the same options give the same frames. Immutable and thread-safe.
/// </remarks>
public sealed class WardTimeline
{
    private readonly DemoClipTimeline _grimace;
    private readonly WardEvent[][] _events;
    private readonly int _turnFrames;

    /// <summary>Initializes a new instance of the <see cref="WardTimeline"/> class.</summary>
    /// <param name="clip">The grimacing bed's durations and the frame rate.</param>
    /// <param name="ward">The beds and the neutral beds' movements.</param>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public WardTimeline(DemoClipOptions clip, WardSceneOptions ward)
    {
        ArgumentNullException.ThrowIfNull(clip);
        ArgumentNullException.ThrowIfNull(ward);
        var problems = ward.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid ward options: " + string.Join("; ", problems), nameof(ward));
        }

        _grimace = new DemoClipTimeline(clip);
        Fps = _grimace.Fps;
        FrameCount = _grimace.FrameCount;
        BedCount = ward.Beds.Count;
        _turnFrames = Math.Max(1, Frames(ward.TurnSeconds));
        var random = new Random(ward.Seed);
        _events = new WardEvent[BedCount][];
        _events[0] = [];
        var first = Frames(ward.QuietSeconds);
        var last = FrameCount - Frames(2);
        var slot = Math.Max(1, (last - first) / 4);
        for (var bed = 1; bed < BedCount; bed++)
        {
            // Two turns (one to each side, the first side seeded) and two closures, one per slot in a seeded order.
            var side = random.Next(2) == 0 ? 1f : -1f;
            var kinds = new[] { WardEventKind.HeadTurn, WardEventKind.HeadTurn, WardEventKind.EyesClosed, WardEventKind.EyesClosed };
            random.Shuffle(kinds);
            var events = new List<WardEvent>();
            for (var k = 0; k < kinds.Length; k++)
            {
                int length;
                float yaw = 0;
                if (kinds[k] == WardEventKind.HeadTurn)
                {
                    length = (2 * _turnFrames) + Frames(ward.TurnHoldSeconds);
                    yaw = side * (ward.MinTurnDegrees + ((ward.MaxTurnDegrees - ward.MinTurnDegrees) * (float)random.NextDouble()));
                    side = -side;
                }
                else
                {
                    var closed = ward.MinEyesClosedSeconds + ((ward.MaxEyesClosedSeconds - ward.MinEyesClosedSeconds) * random.NextDouble());
                    length = Math.Max(1, Frames(closed + 0.6));
                }

                var start = first + (k * slot) + random.Next(Math.Max(1, slot - length));
                if (start + length <= FrameCount)
                {
                    events.Add(new WardEvent(kinds[k], start, length, yaw));
                }
            }

            _events[bed] = [.. events];
        }
    }

    /// <summary>Gets the frame rate.</summary>
    public int Fps { get; }

    /// <summary>Gets the number of frames (the grimacing bed's timeline).</summary>
    public int FrameCount { get; }

    /// <summary>Gets the number of beds.</summary>
    public int BedCount { get; }

    /// <summary>Gets the grimacing bed's timeline (bed 0).</summary>
    public DemoClipTimeline Grimace => _grimace;

    /// <summary>Gets the movements of a bed (none for the grimacing bed 0).</summary>
    /// <param name="bed">The bed index.</param>
    /// <returns>The movements in time order.</returns>
    public IReadOnlyList<WardEvent> EventsOf(int bed) => _events[bed];

    /// <summary>Gets what a bed shows in a frame.</summary>
    /// <param name="bed">The bed index, 0 to <see cref="BedCount"/> − 1.</param>
    /// <param name="frame">The frame index, 0 to <see cref="FrameCount"/> − 1.</param>
    /// <returns>The shape.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An index is out of range.</exception>
    public GrimaceShape ShapeAt(int bed, int frame)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bed);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(bed, BedCount);
        if (bed == 0)
        {
            return _grimace.ShapeAt(frame);
        }

        ArgumentOutOfRangeException.ThrowIfNegative(frame);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(frame, FrameCount);
        foreach (var e in _events[bed])
        {
            var at = frame - e.StartFrame;
            if (at < 0 || at >= e.FrameCount)
            {
                continue;
            }

            if (e.Kind == WardEventKind.HeadTurn)
            {
                var t = MathF.Min(1f, MathF.Min((at + 1f) / _turnFrames, (e.FrameCount - at) / (float)_turnFrames));
                return GrimaceShape.Neutral with { YawDegrees = e.YawDegrees * Ease(t) };
            }

            // Closing over 0.3 s, open again over the last 0.3 s.
            var ramp = Math.Max(1, Frames(0.3));
            var closure = MathF.Min(1f, MathF.Min((at + 1f) / ramp, (e.FrameCount - at) / (float)ramp));
            return GrimaceShape.Neutral with { EyeClose = Ease(closure) };
        }

        return GrimaceShape.Neutral;
    }

    private static float Ease(float t)
    {
        t = Math.Clamp(t, 0f, 1f);
        return t * t * (3 - (2 * t));
    }

    private int Frames(double seconds) => (int)Math.Round(seconds * Fps, MidpointRounding.AwayFromZero);
}
