// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Globalization;

namespace PainStream.Core.Tracking;

/// <summary>
/// Association and lifetime settings of a <see cref="FaceTracker"/>. Immutable; a change means a new tracker.
/// </summary>
/// <remarks>
/// <para>
/// Matching a track (its last seen face) to a face of the new frame costs
/// <c>IouWeight · (1 − IoU) + DistanceWeight · (d / MaxDistance)</c>, where <c>d</c> is the mean distance between
/// corresponding landmarks (the box centres when either side has no landmarks or their counts differ) divided by the
/// face size <c>√(area of the track's box)</c>. Both terms lie in [0, 1] for an allowed pair. A pair is not allowed
/// (gated) when <c>d &gt; MaxDistance</c> or the linear box size changes by more than <see cref="MaxSizeRatio"/>.
/// </para>
/// <para>
/// Landmarks weigh more than IoU by default because they tell two overlapping faces apart where IoU cannot: when two faces
/// cross, their boxes overlap each other's tracks about as much as their own, while 68 landmarks still sit on the right face.
/// IoU keeps a weight because it also scores scale, and because detector boxes are steadier than landmarks on small faces.
/// </para>
/// </remarks>
public sealed record FaceTrackerOptions
{
    /// <summary>Gets the settings with every default value.</summary>
    public static FaceTrackerOptions Default { get; } = new();

    /// <summary>
    /// Gets how long a track that is not seen stays alive (and keeps its id and its bed) before it expires. Longer rides
    /// out longer occlusions (a nurse in front of the patient, the head turned away) at the price of a bed reporting its
    /// patient as not seen for that long after the patient has really left. A lost track is only picked up again near
    /// where it was last seen (the gates above), so a long grace does not make it grab a stranger elsewhere.
    /// </summary>
    /// <value>The default value is 10 seconds.</value>
    public TimeSpan GracePeriod { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Gets the weight of <c>1 − IoU</c> in the matching cost.</summary>
    /// <value>The default value is 0.4.</value>
    public double IouWeight { get; init; } = 0.4;

    /// <summary>Gets the weight of the normalised landmark (or centre) distance in the matching cost.</summary>
    /// <value>The default value is 0.6.</value>
    public double DistanceWeight { get; init; } = 0.6;

    /// <summary>
    /// Gets the largest mean landmark (or centre) distance, in face sizes, between a track and a face it may be matched to:
    /// how far a face may move between two sightings. Patients in bed move slowly; half a face covers a 5 fps stream and a
    /// head coming back after a short occlusion.
    /// </summary>
    /// <value>The default value is 0.5.</value>
    public double MaxDistance { get; init; } = 0.5;

    /// <summary>
    /// Gets the largest change of linear face size (box √area, either way) between a track and a face it may be matched
    /// to. Stops a face much nearer the camera (a nurse leaning over the patient) from continuing the patient's track.
    /// </summary>
    /// <value>The default value is 1.5.</value>
    public double MaxSizeRatio { get; init; } = 1.5;

    /// <summary>
    /// Gets the most tracks alive at once (seen and lost). Faces that find no track while this many are alive are not
    /// tracked (<see cref="TrackId.None"/>) until some expire; a bound on work and memory when a detector misfires.
    /// </summary>
    /// <value>The default value is 32.</value>
    public int MaxTracks { get; init; } = 32;

    /// <summary>Checks every field.</summary>
    /// <returns>One message per problem, each starting with the property name; empty when the settings are valid.</returns>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (GracePeriod < TimeSpan.Zero)
        {
            problems.Add(Invariant($"{nameof(GracePeriod)} ({GracePeriod}) must not be negative"));
        }

        CheckRange(problems, nameof(IouWeight), IouWeight, 0, 1000);
        CheckRange(problems, nameof(DistanceWeight), DistanceWeight, 0, 1000);
        if (IouWeight + DistanceWeight <= 0)
        {
            problems.Add($"{nameof(IouWeight)} and {nameof(DistanceWeight)} must not both be 0");
        }

        CheckRange(problems, nameof(MaxDistance), MaxDistance, 1e-3, 100);
        CheckRange(problems, nameof(MaxSizeRatio), MaxSizeRatio, 1, 100);
        if (MaxTracks is < 1 or > 1024)
        {
            problems.Add(Invariant($"{nameof(MaxTracks)} ({MaxTracks}) must be between 1 and 1024"));
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
            throw new ArgumentException("Invalid face tracker options: " + string.Join("; ", problems));
        }
    }

    private static void CheckRange(List<string> problems, string name, double value, double min, double max)
    {
        // Written so that NaN fails too.
        if (!(value >= min && value <= max))
        {
            problems.Add(Invariant($"{name} ({value}) must be between {min} and {max}"));
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
