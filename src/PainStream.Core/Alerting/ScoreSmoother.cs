// Copyright (c) PainStream contributors. Licensed under the MIT License.

namespace PainStream.Core.Alerting;

/// <summary>
/// Robust per-patient smoothing: the median of the accepted samples in the last <see cref="AlertPolicy.SmoothingWindow"/>
/// (which removes single-frame spikes and outliers), followed by a time-based exponential moving average with time constant
/// <see cref="AlertPolicy.SmoothingTimeConstant"/> (which removes jitter). Samples that cannot be scored or whose confidence is
/// below <see cref="AlertPolicy.MinConfidence"/> are ignored. When the window holds no accepted sample the score is unknown
/// (<see langword="null"/>) and the average starts again from the next sample.
/// </summary>
/// <remarks>
/// Not thread-safe: one instance per patient, owned by its <see cref="PatientAlertMachine"/>. Samples live in a ring buffer
/// that starts small and doubles while the window holds more samples than it has room for, up to what the window can hold at
/// <see cref="MaxSampleRate"/> (or a fixed capacity given to the constructor); once it has grown to the patient's frame rate,
/// adding a sample does not allocate. Only at that bound is the oldest sample overwritten.
/// </remarks>
public sealed class ScoreSmoother
{
    /// <summary>The highest sample rate the window is sized for, per second: the largest analysis rate (<c>Cameras:&lt;name&gt;:Fps</c>).</summary>
    public const double MaxSampleRate = 60;

    /// <summary>The ring buffer's first size: 12 s at 5 fps.</summary>
    internal const int InitialCapacity = 64;

    private readonly int? _fixedCapacity;
    private long[] _ticks;
    private double[] _values;
    private double[] _confidences;
    private double[] _scratch;
    private int _maxCapacity;
    private int _head;
    private int _count;
    private TimeSpan _window;
    private TimeSpan _timeConstant;
    private double _minConfidence;
    private double _maxScore = ScoreScales.MaxPspi;
    private double _ema;
    private long _emaTicks;
    private bool _hasEma;

    /// <summary>Initializes a new instance of the <see cref="ScoreSmoother"/> class.</summary>
    /// <param name="policy">Where the window, time constant and minimum confidence come from.</param>
    /// <param name="capacity">
    /// The most samples kept in the window, or <see langword="null"/> (the default) for as many as the window holds at
    /// <see cref="MaxSampleRate"/>.
    /// </param>
    public ScoreSmoother(AlertPolicy policy, int? capacity = null)
    {
        if (capacity is { } fixedCapacity)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(fixedCapacity, 1);
        }

        _fixedCapacity = capacity;
        Reconfigure(policy);
        var initial = Math.Min(InitialCapacity, _maxCapacity);
        _ticks = new long[initial];
        _values = new double[initial];
        _confidences = new double[initial];
        _scratch = new double[initial];
    }

    /// <summary>Gets the smoothed score, or <see langword="null"/> while no accepted sample is in the window.</summary>
    public double? Smoothed => _count > 0 && _hasEma ? _ema : null;

    /// <summary>Gets the mean confidence of the accepted samples in the window (0 when there are none).</summary>
    public double Confidence
    {
        get
        {
            if (_count == 0)
            {
                return 0;
            }

            var sum = 0.0;
            for (var i = 0; i < _count; i++)
            {
                sum += _confidences[Index(i)];
            }

            return sum / _count;
        }
    }

    /// <summary>Gets the number of accepted samples in the window.</summary>
    public int Count => _count;

    /// <summary>Gets the most samples the window may hold (the ring buffer grows up to it).</summary>
    public int MaxCapacity => _maxCapacity;

    /// <summary>Takes the window, time constant and minimum confidence of a new policy, keeping the samples and the average.</summary>
    /// <param name="policy">The policy.</param>
    public void Reconfigure(AlertPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        _window = policy.SmoothingWindow;
        _timeConstant = policy.SmoothingTimeConstant;
        _minConfidence = policy.MinConfidence;
        _maxScore = policy.MaxScore;

        // A window shortened by a reload keeps the buffer it has (the samples expire); a longer one may grow it further.
        _maxCapacity = _fixedCapacity ?? (int)Math.Clamp(Math.Ceiling(policy.SmoothingWindow.TotalSeconds * MaxSampleRate) + 1, 1, Array.MaxLength / 2);
    }

    /// <summary>Adds a sample taken at <paramref name="now"/> (after expiring old ones).</summary>
    /// <param name="sample">The sample.</param>
    /// <param name="now">When it was taken.</param>
    /// <returns><see langword="true"/> when it was accepted; <see langword="false"/> when unscorable or below the minimum confidence.</returns>
    public bool Add(in ScoreSample sample, DateTimeOffset now)
    {
        var ticks = now.UtcTicks;
        Expire(ticks);
        if (!sample.IsScorable || sample.Confidence < _minConfidence)
        {
            return false;
        }

        var value = Math.Clamp(sample.Pspi, 0, _maxScore);
        if (_count == _ticks.Length)
        {
            if (_ticks.Length < _maxCapacity)
            {
                // Every sample is still inside the window (they were just expired): make room, doubling so that growing to
                // the patient's frame rate takes a few steps and then never happens again.
                Grow(Math.Min(Math.Max(_ticks.Length * 2, 1), _maxCapacity));
            }
            else
            {
                // At the bound: overwrite the oldest rather than grow further.
                _head = (_head + 1) % _ticks.Length;
                _count--;
            }
        }

        var slot = Index(_count);
        _ticks[slot] = ticks;
        _values[slot] = value;
        _confidences[slot] = sample.Confidence;
        _count++;

        var median = Median();
        if (!_hasEma || _timeConstant <= TimeSpan.Zero)
        {
            _ema = median;
            _hasEma = true;
        }
        else
        {
            // Time-based alpha, so the average behaves the same at 5 fps and 25 fps; clock steps back count as zero time.
            var dt = Math.Max(0, ticks - _emaTicks);
            var alpha = 1 - Math.Exp(-(double)dt / _timeConstant.Ticks);
            _ema += alpha * (median - _ema);
        }

        _emaTicks = ticks;
        return true;
    }

    /// <summary>Drops the samples that have left the window by <paramref name="now"/> (call on ticks without a sample).</summary>
    /// <param name="now">The current time.</param>
    public void Expire(DateTimeOffset now) => Expire(now.UtcTicks);

    /// <summary>Forgets every sample and the average (a new patient).</summary>
    public void Reset()
    {
        _head = 0;
        _count = 0;
        _hasEma = false;
    }

    private void Expire(long nowTicks)
    {
        var oldest = nowTicks - _window.Ticks;
        while (_count > 0 && _ticks[_head] <= oldest)
        {
            _head = (_head + 1) % _ticks.Length;
            _count--;
        }

        if (_count == 0)
        {
            _hasEma = false;
        }
    }

    private void Grow(int capacity)
    {
        var ticks = new long[capacity];
        var values = new double[capacity];
        var confidences = new double[capacity];
        for (var i = 0; i < _count; i++)
        {
            var from = Index(i);
            ticks[i] = _ticks[from];
            values[i] = _values[from];
            confidences[i] = _confidences[from];
        }

        _ticks = ticks;
        _values = values;
        _confidences = confidences;
        _scratch = new double[capacity];
        _head = 0;
    }

    private double Median()
    {
        var span = _scratch.AsSpan(0, _count);
        for (var i = 0; i < _count; i++)
        {
            span[i] = _values[Index(i)];
        }

        span.Sort();
        var mid = _count / 2;
        return _count % 2 == 1 ? span[mid] : (span[mid - 1] + span[mid]) / 2;
    }

    private int Index(int offset) => (_head + offset) % _ticks.Length;
}
