// Copyright (c) PainStream contributors. Licensed under the MIT License.

namespace PainStream.Core.Pipeline;

/// <summary>
/// Exponential reconnect delays with jitter: initial, 2x, 4x … capped at the maximum, each multiplied by a random factor in
/// [1 - jitter, 1 + jitter] (still capped) so that many cameras failing together do not reconnect in lock-step. Optionally
/// the first few delays stay at the initial one before doubling starts (a short outage is then noticed within about one
/// initial delay of its end).
/// </summary>
/// <remarks>Not thread-safe: one instance per reconnect loop.</remarks>
public sealed class ReconnectBackoff
{
    private readonly TimeSpan _initial;
    private readonly TimeSpan _max;
    private readonly double _jitter;
    private readonly Random _random;
    private readonly int _steadyAttempts;

    /// <summary>Initializes a new instance of the <see cref="ReconnectBackoff"/> class.</summary>
    /// <param name="initial">The first delay.</param>
    /// <param name="max">The longest delay.</param>
    /// <param name="jitter">Relative jitter in [0, 0.5]. <value>The default value is 0.2.</value></param>
    /// <param name="random">Random source (seeded in tests).</param>
    /// <param name="steadyAttempts">How many delays stay at <paramref name="initial"/> before doubling starts. <value>The default value is 1 (plain doubling).</value></param>
    public ReconnectBackoff(TimeSpan initial, TimeSpan max, double jitter = 0.2, Random? random = null, int steadyAttempts = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(steadyAttempts, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(initial, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(max, initial);
        ArgumentOutOfRangeException.ThrowIfNegative(jitter);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(jitter, 0.5);
        _initial = initial;
        _max = max;
        _jitter = jitter;
        _random = random ?? Random.Shared;
        _steadyAttempts = steadyAttempts;
    }

    /// <summary>Gets the number of consecutive failures since the last <see cref="Reset"/>.</summary>
    public int Attempt { get; private set; }

    /// <summary>Returns the delay before the next attempt and counts the failure.</summary>
    /// <returns>The delay.</returns>
    public TimeSpan Next()
    {
        var exponent = Math.Min(Math.Max(0, Attempt - _steadyAttempts + 1), 30);
        var nominal = Math.Min(_initial.TotalSeconds * Math.Pow(2, exponent), _max.TotalSeconds);
        var factor = 1 + (((_random.NextDouble() * 2) - 1) * _jitter);
        Attempt++;
        return TimeSpan.FromSeconds(Math.Min(nominal * factor, _max.TotalSeconds));
    }

    /// <summary>Starts again from the initial delay (after a connection that worked).</summary>
    public void Reset() => Attempt = 0;
}
