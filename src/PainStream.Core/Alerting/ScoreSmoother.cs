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
/// Not thread-safe: one instance per patient, owned by its <see cref="PatientAlertMachine"/>. Samples live in a fixed ring
/// buffer, so adding a sample does not allocate; when the buffer is full the oldest sample is overwritten.
/// </remarks>
public sealed class ScoreSmoother
{
    /// <summary>The default ring-buffer capacity: 5 s at 25 fps with room to spare.</summary>
    public const int DefaultCapacity = 256;

    private readonly long[] _ticks;
    private readonly double[] _values;
    private readonly double[] _confidences;
    private readonly double[] _scratch;
    private int _head;
    private int _count;
    private TimeSpan _window;
    private TimeSpan _timeConstant;
    private double _minConfidence;
    private double _ema;
    private long _emaTicks;
    private bool _hasEma;

    /// <summary>Initializes a new instance of the <see cref="ScoreSmoother"/> class.</summary>
    /// <param name="policy">Where the window, time constant and minimum confidence come from.</param>
    /// <param name="capacity">The most samples kept in the window.</param>
    public ScoreSmoother(AlertPolicy policy, int capacity = DefaultCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _ticks = new long[capacity];
        _values = new double[capacity];
        _confidences = new double[capacity];
        _scratch = new double[capacity];
        Reconfigure(policy);
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

    /// <summary>Takes the window, time constant and minimum confidence of a new policy, keeping the samples and the average.</summary>
    /// <param name="policy">The policy.</param>
    public void Reconfigure(AlertPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        _window = policy.SmoothingWindow;
        _timeConstant = policy.SmoothingTimeConstant;
        _minConfidence = policy.MinConfidence;
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

        var value = Math.Clamp(sample.Pspi, 0, AlertPolicy.MaxPspi);
        if (_count == _ticks.Length)
        {
            // Full: overwrite the oldest rather than grow, so the hot path never allocates.
            _head = (_head + 1) % _ticks.Length;
            _count--;
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
