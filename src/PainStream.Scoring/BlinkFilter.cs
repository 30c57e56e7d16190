// Copyright (c) PainStream contributors. Licensed under the MIT License.

namespace PainStream.Scoring;

/// <summary>
/// Per-patient AU43 filter: eye closure counts only once the eyes have been closed continuously for
/// <see cref="BlinkFilterOptions.MinClosure"/> (0.5 s); blinks, shorter than that, are ignored (DESIGN.md §5).
/// </summary>
/// <remarks>
/// <para>
/// A frame is "closed" when it is scorable and its AU43 is above <see cref="BlinkFilterOptions.ClosedAbove"/>. A closure
/// starts at the first closed frame and lasts while every following frame is closed and no two are more than
/// <see cref="BlinkFilterOptions.MaxFrameGap"/> apart. A frame whose closure has lasted less than the minimum (its time
/// minus the closure's first frame time) comes out with AU43 = 0 and PSPI lowered by the AU43 it had (PSPI sums AU43);
/// from the minimum on, AU43 and PSPI pass unchanged. So at 25 fps a 1 s closure counts from its frame at 0.52 s, at 5 fps
/// from its frame at 0.6 s: the first frame at or after 0.5 s.
/// </para>
/// <para>
/// An open frame, a frame that cannot be scored (the eyes were not seen) and a step back in time all end the closure;
/// such frames pass unchanged. The other action units are left as they are: the geometric scorer already damps AU6/7 by
/// AU43, and undoing that during a blink would turn the blink into orbital tightening.
/// </para>
/// <para>
/// At a low or uneven sample rate (keyframes decode mode: one sample per key frame, 1–2 s apart) the longest gap follows the
/// stream: it is the larger of <see cref="BlinkFilterOptions.MaxFrameGap"/> and 1.5 times the typical step between samples
/// (a running median-like estimate that ignores outages). A closure must still be seen on at least two consecutive samples
/// spanning the minimum duration, so a blink caught on a single key frame never counts.
/// </para>
/// <para>Allocation-free. Not thread-safe: one instance per patient, fed in time order.</para>
/// </remarks>
public sealed class BlinkFilter
{
    private readonly BlinkFilterOptions _options;
    // Steps longer than this are outages, not the sample rate.
    private static readonly TimeSpan LongestSampleStep = TimeSpan.FromSeconds(5);

    private DateTimeOffset? _closedSince;
    private DateTimeOffset _last;
    private bool _seen;
    private double _typicalStepSeconds;

    /// <summary>Initializes a new instance of the <see cref="BlinkFilter"/> class.</summary>
    /// <param name="options">The settings; <see cref="BlinkFilterOptions.Default"/> when <see langword="null"/>.</param>
    /// <exception cref="ArgumentException">The settings are invalid.</exception>
    public BlinkFilter(BlinkFilterOptions? options = null)
    {
        _options = options ?? BlinkFilterOptions.Default;
        _options.ThrowIfInvalid();
    }

    /// <summary>Gets the settings.</summary>
    public BlinkFilterOptions Options => _options;

    /// <summary>Gets how long the eyes had been closed at the last frame (zero when they were open or unseen).</summary>
    public TimeSpan ClosedFor => _closedSince is { } since ? _last - since : TimeSpan.Zero;

    /// <summary>Gets a value indicating whether the last frame was part of a closure long enough for AU43 to count.</summary>
    public bool IsSustained => _closedSince is not null && ClosedFor >= _options.MinClosure;

    /// <summary>Gets the longest gap between two samples that still counts as one closure at the rate seen so far.</summary>
    public TimeSpan MaxGap
    {
        get
        {
            var adaptive = TimeSpan.FromSeconds(1.5 * _typicalStepSeconds);
            return adaptive > _options.MaxFrameGap ? adaptive : _options.MaxFrameGap;
        }
    }

    /// <summary>Filters one frame's estimate.</summary>
    /// <param name="timestamp">When the frame was captured.</param>
    /// <param name="estimate">The scorer's estimate for the frame.</param>
    /// <returns>The estimate with AU43 (and its share of PSPI) removed while the closure is shorter than the minimum; otherwise unchanged.</returns>
    public PspiEstimate Apply(DateTimeOffset timestamp, in PspiEstimate estimate)
    {
        var previous = _last;
        var hadClosure = _closedSince is not null;
        if (_seen && timestamp > previous && timestamp - previous <= LongestSampleStep)
        {
            // A slow-moving estimate of the step between samples: fast enough to follow a mode change within a few samples,
            // and one odd step (a late or missing key frame) moves it by a quarter only.
            var step = (timestamp - previous).TotalSeconds;
            _typicalStepSeconds = _typicalStepSeconds == 0 ? step : (0.75 * _typicalStepSeconds) + (0.25 * step);
        }

        _seen = true;
        _last = timestamp;
        if (!estimate.IsScorable || !(estimate.Au43 > _options.ClosedAbove))
        {
            _closedSince = null;
            return estimate;
        }

        if (!hadClosure || timestamp < previous || timestamp - previous > MaxGap)
        {
            _closedSince = timestamp;
        }

        if (timestamp - _closedSince!.Value >= _options.MinClosure)
        {
            return estimate;
        }

        return estimate with { Au43 = 0, Pspi = MathF.Max(0, estimate.Pspi - estimate.Au43) };
    }

    /// <summary>Forgets the current closure (a new patient, or a gap in the stream the caller knows about).</summary>
    public void Reset() => _closedSince = null;
}
