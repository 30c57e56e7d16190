// Copyright (c) PainStream contributors. Licensed under the MIT License.

namespace PainStream.Scoring;

/// <summary>
/// Learns a patient's <see cref="NeutralBaseline"/> as a percentile of each proxy over a ring buffer of recent samples
/// (DESIGN.md §5). The caller adds samples only from scorable faces while no alert is active, at a rate it chooses
/// (e.g. one a second), calls <see cref="Reset"/> when the patient changes (MQTT <c>baseline/reset</c>), and persists
/// <see cref="ExportState"/> to survive restarts.
/// </summary>
/// <remarks>
/// Percentiles use linear interpolation between order statistics (NumPy's default, "type 7"): for <c>n</c> sorted values
/// and percentile <c>p</c>, position <c>h = (n − 1)·p</c>, value <c>x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋+1] − x[⌊h⌋])</c>. Adding and
/// computing percentiles do not allocate (storage and sort scratch are allocated once). Not thread-safe: one instance per
/// patient, used from that patient's pipeline.
/// </remarks>
public sealed class BaselineLearner
{
    private readonly BaselineLearnerOptions _options;
    private readonly int _capacity;
    private readonly float[] _columns;
    private readonly float[] _scratch;
    private int _next;
    private int _count;

    /// <summary>Initializes a new instance of the <see cref="BaselineLearner"/> class.</summary>
    /// <param name="options">Window and percentile; defaults when <see langword="null"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">Capacity below 1, percentile outside [0, 1] or minimum samples outside [1, capacity].</exception>
    public BaselineLearner(BaselineLearnerOptions? options = null)
    {
        _options = options ?? new BaselineLearnerOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.Capacity, 1, nameof(options));
        if (!(_options.NeutralPercentile is >= 0 and <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(options), _options.NeutralPercentile, "NeutralPercentile must be in [0, 1].");
        }

        if (_options.MinSamples < 1 || _options.MinSamples > _options.Capacity)
        {
            throw new ArgumentOutOfRangeException(nameof(options), _options.MinSamples, "MinSamples must be in [1, Capacity].");
        }

        _capacity = _options.Capacity;
        _columns = new float[AuProxies.FieldCount * _capacity];
        _scratch = new float[_capacity];
    }

    /// <summary>Gets the settings.</summary>
    public BaselineLearnerOptions Options => _options;

    /// <summary>Gets the number of samples in the window.</summary>
    public int Count => _count;

    /// <summary>Gets a value indicating whether enough samples have been seen for <see cref="TryGetBaseline"/>.</summary>
    public bool IsReady => _count >= _options.MinSamples;

    /// <summary>Adds a sample, replacing the oldest when the window is full.</summary>
    /// <param name="sample">The proxies of one scorable face.</param>
    /// <returns><see langword="false"/> (and nothing added) when the sample is not <see cref="AuProxies.IsValid"/>.</returns>
    public bool Add(in AuProxies sample)
    {
        if (!sample.IsValid)
        {
            return false;
        }

        for (var f = 0; f < AuProxies.FieldCount; f++)
        {
            _columns[(f * _capacity) + _next] = sample.Get(f);
        }

        _next = (_next + 1) % _capacity;
        if (_count < _capacity)
        {
            _count++;
        }

        return true;
    }

    /// <summary>Forgets every sample (a new patient, or a reset command).</summary>
    public void Reset()
    {
        _next = 0;
        _count = 0;
    }

    /// <summary>
    /// Computes the <paramref name="percentile"/> of each field over the window; for the fields that grow with the expression
    /// (<see cref="AuProxies.GrowsWithExpression"/>: lip gap, mouth width) the complementary percentile (1 − p), so that the
    /// neutral baseline is the patient's resting value of every proxy.
    /// </summary>
    /// <param name="percentile">In [0, 1]: e.g. 0.1 for a low, 0.9 for a high percentile.</param>
    /// <returns>The per-field percentiles (each field independently).</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="percentile"/> is outside [0, 1].</exception>
    /// <exception cref="InvalidOperationException">The window is empty.</exception>
    public AuProxies GetPercentile(double percentile)
    {
        if (!(percentile is >= 0 and <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(percentile), percentile, "Percentile must be in [0, 1].");
        }

        if (_count == 0)
        {
            throw new InvalidOperationException("No samples.");
        }

        Span<float> values = stackalloc float[AuProxies.FieldCount];
        var sorted = _scratch.AsSpan(0, _count);
        var h = (_count - 1) * percentile;
        var lo = (int)Math.Floor(h);
        var hi = Math.Min(lo + 1, _count - 1);
        var frac = (float)(h - lo);
        for (var f = 0; f < AuProxies.FieldCount; f++)
        {
            // The ring's first _count slots hold the window (order irrelevant for a percentile).
            _columns.AsSpan(f * _capacity, _count).CopyTo(sorted);
            sorted.Sort();
            values[f] = AuProxies.GrowsWithExpression(f) ? Percentile(sorted, 1 - percentile) : sorted[lo] + (frac * (sorted[hi] - sorted[lo]));
        }

        return AuProxies.FromValues(values);
    }

    private static float Percentile(ReadOnlySpan<float> sorted, double percentile)
    {
        var h = (sorted.Length - 1) * percentile;
        var lo = (int)Math.Floor(h);
        var hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + ((float)(h - lo) * (sorted[hi] - sorted[lo]));
    }

    /// <summary>Gets the learnt neutral baseline: <see cref="BaselineLearnerOptions.NeutralPercentile"/> of each proxy.</summary>
    /// <param name="baseline">Receives the baseline, or <see langword="default"/>.</param>
    /// <returns><see langword="false"/> while fewer than <see cref="BaselineLearnerOptions.MinSamples"/> samples were added.</returns>
    public bool TryGetBaseline(out NeutralBaseline baseline)
    {
        baseline = default;
        if (!IsReady)
        {
            return false;
        }

        var candidate = new NeutralBaseline(GetPercentile(_options.NeutralPercentile));
        if (!candidate.IsValid)
        {
            return false;
        }

        baseline = candidate;
        return true;
    }

    /// <summary>Copies the window out for persistence (allocates; call it when saving, not per frame).</summary>
    /// <returns>The state, samples oldest first.</returns>
    public BaselineLearnerState ExportState()
    {
        var samples = new AuProxies[_count];
        var oldest = _count < _capacity ? 0 : _next;
        Span<float> values = stackalloc float[AuProxies.FieldCount];
        for (var i = 0; i < _count; i++)
        {
            var slot = (oldest + i) % _capacity;
            for (var f = 0; f < AuProxies.FieldCount; f++)
            {
                values[f] = _columns[(f * _capacity) + slot];
            }

            samples[i] = AuProxies.FromValues(values);
        }

        return new BaselineLearnerState(BaselineLearnerState.CurrentVersion, samples);
    }

    /// <summary>
    /// Replaces the window with a saved state: its samples in order, the newest <see cref="BaselineLearnerOptions.Capacity"/>
    /// kept when the window is now smaller; invalid samples are skipped.
    /// </summary>
    /// <param name="state">The saved state.</param>
    /// <exception cref="ArgumentNullException"><paramref name="state"/> or its samples are <see langword="null"/>.</exception>
    /// <exception cref="NotSupportedException">The state's version is not <see cref="BaselineLearnerState.CurrentVersion"/>.</exception>
    public void Restore(BaselineLearnerState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(state.Samples, nameof(state));
        if (state.Version != BaselineLearnerState.CurrentVersion)
        {
            throw new NotSupportedException($"Baseline state version {state.Version} is not supported (expected {BaselineLearnerState.CurrentVersion}).");
        }

        Reset();
        foreach (var sample in state.Samples)
        {
            Add(sample);
        }
    }
}
