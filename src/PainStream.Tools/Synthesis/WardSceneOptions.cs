// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Cameras;

namespace PainStream.Tools.Synthesis;

/// <summary>One bed of the ward demo: its name, its area in fractions of the frame and the patient's face size.</summary>
/// <param name="Name">The bed name, as <c>config/ward.json</c> names it.</param>
/// <param name="Region">The bed's area, fractions of the frame (what the configuration's bed region is).</param>
/// <param name="InterOcularPixels">The patient's outer-eye-corner distance at the clip's full resolution.</param>
public sealed record WardBed(string Name, NormalizedRegion Region, float InterOcularPixels);

/// <summary>How <see cref="WardScene"/> lays out and animates the four-bed ward demo (issue 12 item 3).</summary>
/// <remarks>
/// The default layout is two rows of two beds on a 1920 × 1080 frame, as a wide camera high on the wall opposite the beds
/// sees them; the faces are 70–90 px between the outer eye corners (23–30 px at the daemon's default 640 × 360 analysis
/// size, where BlazeFace back still finds the four fixture faces that <c>scripts/setup</c> uses; the cartoon face with
/// glasses, Megamind.avi frame 200, was not found below about 85 px, so it has the largest bed). Bed 1 grimaces on the <see cref="DemoClipTimeline"/>; the other three stay neutral and, each on its own seeded
/// schedule after <see cref="QuietSeconds"/>, turn their heads by <see cref="MinTurnDegrees"/>–<see cref="MaxTurnDegrees"/>
/// and back, and close their eyes for <see cref="MinEyesClosedSeconds"/>–<see cref="MaxEyesClosedSeconds"/>.
/// </remarks>
public sealed record WardSceneOptions
{
    /// <summary>The default beds: names, regions and face sizes (<c>config/ward.json</c> uses the same regions).</summary>
    public static readonly IReadOnlyList<WardBed> DefaultBeds =
    [
        new("bed-1", new NormalizedRegion(0.02, 0.04, 0.46, 0.44), 84),
        new("bed-2", new NormalizedRegion(0.52, 0.04, 0.46, 0.44), 70),
        new("bed-3", new NormalizedRegion(0.02, 0.52, 0.46, 0.44), 84),
        new("bed-4", new NormalizedRegion(0.52, 0.52, 0.46, 0.44), 90),
    ];

    /// <summary>Gets the output width in pixels. <value>The default value is 1920.</value></summary>
    public int Width { get; init; } = 1920;

    /// <summary>Gets the output height in pixels. <value>The default value is 1080.</value></summary>
    public int Height { get; init; } = 1080;

    /// <summary>Gets the beds, one face image each, in order (the first grimaces). <value>The default value is <see cref="DefaultBeds"/>.</value></summary>
    public IReadOnlyList<WardBed> Beds { get; init; } = DefaultBeds;

    /// <summary>Gets the seed of the neutral beds' schedules (the same seed gives the same clip). <value>The default value is 12.</value></summary>
    public int Seed { get; init; } = 12;

    /// <summary>Gets the time from the start in which nobody moves (the baselines are learnt), in seconds. <value>The default value is 13.</value></summary>
    public double QuietSeconds { get; init; } = 13;

    /// <summary>Gets the smallest head turn of a neutral bed, in degrees. <value>The default value is 15.</value></summary>
    public float MinTurnDegrees { get; init; } = 15;

    /// <summary>Gets the largest head turn of a neutral bed, in degrees. <value>The default value is 25.</value></summary>
    public float MaxTurnDegrees { get; init; } = 25;

    /// <summary>Gets how long a head turn is held, in seconds, before turning back. <value>The default value is 3.</value></summary>
    public double TurnHoldSeconds { get; init; } = 3;

    /// <summary>Gets the time to turn the head, and to turn it back, in seconds. <value>The default value is 1.</value></summary>
    public double TurnSeconds { get; init; } = 1;

    /// <summary>Gets the shortest eye closure of a neutral bed, in seconds. <value>The default value is 1.</value></summary>
    public double MinEyesClosedSeconds { get; init; } = 1;

    /// <summary>Gets the longest eye closure of a neutral bed, in seconds. <value>The default value is 2.</value></summary>
    public double MaxEyesClosedSeconds { get; init; } = 2;

    /// <summary>Checks the options.</summary>
    /// <returns>One problem per entry; empty when valid.</returns>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (Width < 320 || Width > 4096 || Width % 2 != 0 || Height < 180 || Height > 4096 || Height % 2 != 0)
        {
            problems.Add($"the ward size {Width}x{Height} must be even, 320x180 to 4096x4096");
        }

        if (Beds is not { Count: >= 1 })
        {
            problems.Add("the ward needs at least one bed");
        }
        else
        {
            foreach (var bed in Beds)
            {
                var r = bed.Region;
                if (!(r.X >= 0 && r.Y >= 0 && r.Width > 0 && r.Height > 0 && r.X + r.Width <= 1 && r.Y + r.Height <= 1))
                {
                    problems.Add($"bed '{bed.Name}': its region must lie inside the frame");
                }

                if (!(bed.InterOcularPixels >= 16) || bed.InterOcularPixels > r.Width * Width / 3)
                {
                    problems.Add($"bed '{bed.Name}': the inter-ocular distance {bed.InterOcularPixels} px must be at least 16 px and a third of the bed's width at most");
                }
            }
        }

        if (!(MinTurnDegrees >= 0) || !(MaxTurnDegrees >= MinTurnDegrees) || MaxTurnDegrees > GrimaceShape.MaxYawDegrees)
        {
            problems.Add($"the head turns {MinTurnDegrees}–{MaxTurnDegrees}° must be ordered, within 0–{GrimaceShape.MaxYawDegrees}°");
        }

        if (!(QuietSeconds >= 0) || !(TurnHoldSeconds >= 0) || !(TurnSeconds > 0) || !(MinEyesClosedSeconds > 0) || !(MaxEyesClosedSeconds >= MinEyesClosedSeconds))
        {
            problems.Add("the ward's durations must be positive (and the longest eye closure at least the shortest)");
        }

        return problems;
    }
}
