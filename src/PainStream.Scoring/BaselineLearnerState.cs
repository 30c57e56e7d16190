// Copyright (c) PainStream contributors. Licensed under the MIT License.

namespace PainStream.Scoring;

/// <summary>
/// The persistable state of a <see cref="BaselineLearner"/>: its samples, oldest first. Serialise it with
/// <c>System.Text.Json</c> (it round-trips as a plain JSON object) to keep a patient's baseline across restarts.
/// </summary>
/// <param name="Version">Format version; <see cref="CurrentVersion"/> when written by this code.</param>
/// <param name="Samples">The samples in the window, oldest first.</param>
public sealed record BaselineLearnerState(int Version, IReadOnlyList<AuProxies> Samples)
{
    /// <summary>The format version this code writes and reads.</summary>
    public const int CurrentVersion = 1;
}
