// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Globalization;

namespace PainStream.Scoring;

/// <summary>Settings of <see cref="BlinkFilter"/>.</summary>
public sealed record BlinkFilterOptions
{
    /// <summary>Gets the settings with every default value.</summary>
    public static BlinkFilterOptions Default { get; } = new();

    /// <summary>
    /// Gets how long the eyes must have been closed continuously before AU43 counts (DESIGN.md §5). Spontaneous blinks
    /// last about 0.1–0.4 s, so 0.5 s separates them from eye closure.
    /// </summary>
    /// <value>The default value is 0.5 seconds.</value>
    public TimeSpan MinClosure { get; init; } = TimeSpan.FromSeconds(0.5);

    /// <summary>
    /// Gets the longest gap between two frames that still counts as one continuous closure. After a longer gap (dropped
    /// frames, a stalled camera) the eyes may have opened unseen, so the closure starts again at the frame after the gap.
    /// At analysis rates below <c>1 / MaxFrameGap</c> the filter therefore never lets AU43 through; blinks cannot be told from
    /// closure at such rates anyway.
    /// </summary>
    /// <value>The default value is 1 second.</value>
    public TimeSpan MaxFrameGap { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Gets the AU43 intensity above which a frame counts as eyes closed. The geometric scorer's AU43 is already 0 up to a
    /// 45 % drop of the eye aspect ratio (narrowing and squinting stay below it), so any AU43 above 0 is closure.
    /// </summary>
    /// <value>The default value is 0.</value>
    public float ClosedAbove { get; init; }

    /// <summary>Checks every field.</summary>
    /// <returns>One message per problem, each starting with the property name; empty when the settings are valid.</returns>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (MinClosure < TimeSpan.Zero)
        {
            problems.Add(Invariant($"{nameof(MinClosure)} ({MinClosure}) must not be negative"));
        }

        if (MaxFrameGap <= TimeSpan.Zero)
        {
            problems.Add(Invariant($"{nameof(MaxFrameGap)} ({MaxFrameGap}) must be positive"));
        }

        if (!(ClosedAbove is >= 0 and < 1))
        {
            problems.Add(Invariant($"{nameof(ClosedAbove)} ({ClosedAbove}) must be at least 0 and less than 1"));
        }

        return problems;
    }

    /// <summary>Throws when <see cref="Validate"/> finds a problem.</summary>
    /// <exception cref="ArgumentException">The settings are invalid; the message lists every problem.</exception>
    public void ThrowIfInvalid()
    {
        var problems = Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid blink filter options: " + string.Join("; ", problems));
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
