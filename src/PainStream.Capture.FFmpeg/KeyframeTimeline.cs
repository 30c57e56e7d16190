// Copyright (c) PainStream contributors. Licensed under the MIT License.

namespace PainStream.Capture.FFmpeg;

/// <summary>
/// Turns the stream timestamps of the key frames of one session into capture times and measures the keyframe interval.
/// </summary>
/// <remarks>
/// The first frame anchors the stream clock to the wall clock (its arrival time); later frames are stamped anchor + their
/// stream time, so samples keep the camera's real spacing instead of the jitter of reading a pipe. A frame whose stamp would
/// be more than <see cref="MaxDrift"/> away from its arrival (a timestamp jump, a reader that fell behind) re-anchors. Stamps
/// never go backwards. The interval is the median of the last <see cref="Window"/> positive timestamp steps, so a missing
/// key frame or a late one does not swing it. Not thread-safe: one per session.
/// </remarks>
internal sealed class KeyframeTimeline
{
    /// <summary>How many timestamp steps the interval is the median of.</summary>
    internal const int Window = 8;

    /// <summary>The largest distance between a stamp and the arrival time before the stream clock is re-anchored.</summary>
    internal static readonly TimeSpan MaxDrift = TimeSpan.FromSeconds(2);

    private readonly double[] _steps = new double[Window];
    private readonly double[] _sorted = new double[Window];
    private int _count;
    private int _next;
    private double _lastPts = double.NaN;
    private DateTimeOffset _anchor;
    private bool _anchored;
    private DateTimeOffset _lastStamp = DateTimeOffset.MinValue;

    /// <summary>Gets the measured keyframe interval in seconds, or <see langword="null"/> before two timed frames.</summary>
    public double? IntervalSeconds { get; private set; }

    /// <summary>Gets how often the stream clock was re-anchored after the first frame.</summary>
    public int Reanchored { get; private set; }

    /// <summary>Stamps one frame.</summary>
    /// <param name="ptsSeconds">The frame's stream time in seconds (NaN when unknown).</param>
    /// <param name="arrival">When the frame was read.</param>
    /// <returns>The frame's capture time.</returns>
    public DateTimeOffset Stamp(double ptsSeconds, DateTimeOffset arrival)
    {
        DateTimeOffset at;
        if (!double.IsFinite(ptsSeconds))
        {
            _lastPts = double.NaN;
            _anchored = false;
            at = arrival;
        }
        else
        {
            if (double.IsFinite(_lastPts))
            {
                var step = ptsSeconds - _lastPts;

                // Steps of a minute or more are discontinuities, not a GOP.
                if (step > 0 && step < 60)
                {
                    AddStep(step);
                }
            }

            _lastPts = ptsSeconds;
            at = _anchored ? _anchor + TimeSpan.FromSeconds(ptsSeconds) : arrival;
            if (!_anchored || (at - arrival).Duration() > MaxDrift)
            {
                if (_anchored)
                {
                    Reanchored++;
                }

                _anchor = arrival - TimeSpan.FromSeconds(ptsSeconds);
                _anchored = true;
                at = arrival;
            }
        }

        if (at <= _lastStamp)
        {
            at = _lastStamp + TimeSpan.FromMilliseconds(1);
        }

        _lastStamp = at;
        return at;
    }

    private void AddStep(double step)
    {
        _steps[_next] = step;
        _next = (_next + 1) % Window;
        _count = Math.Min(_count + 1, Window);
        Array.Copy(_steps, _sorted, _count);
        Array.Sort(_sorted, 0, _count);
        IntervalSeconds = _count % 2 == 1 ? _sorted[_count / 2] : (_sorted[(_count / 2) - 1] + _sorted[_count / 2]) / 2;
    }
}
