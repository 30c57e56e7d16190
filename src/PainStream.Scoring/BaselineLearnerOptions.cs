// Copyright (c) PainStream contributors. Licensed under the MIT License.

namespace PainStream.Scoring;

/// <summary>Settings of <see cref="BaselineLearner"/>.</summary>
public sealed record BaselineLearnerOptions
{
    /// <summary>
    /// Gets the window: how many recent samples the ring buffer keeps (default 300; at one sample a second, the last five
    /// minutes). The caller decides the sampling rate, so the window in time is <c>Capacity / rate</c>.
    /// </summary>
    public int Capacity { get; init; } = 300;

    /// <summary>
    /// Gets the percentile, in [0, 1], of each proxy taken as neutral (default 0.75). All proxies shrink with the pain
    /// expression, so the neutral value is a high percentile: below it lie blinks and grimaces (up to 75 % of the window
    /// can be expression without moving the baseline), above it surprise and wide eyes (the top 25 % is ignored).
    /// </summary>
    public double NeutralPercentile { get; init; } = 0.75;

    /// <summary>Gets the fewest samples before a baseline is reported (default 30).</summary>
    public int MinSamples { get; init; } = 30;
}
