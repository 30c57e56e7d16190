// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Detection;
using PainStream.Testing;

namespace PainStream.Vision.Tests;

/// <summary>
/// Face boxes in the fixture images, established independently of the detectors under test.
/// </summary>
/// <remarks>
/// How they were obtained: each image was zoomed 4x–8x with nearest-neighbour scaling and a 5/10-pixel grid drawn over it
/// (<c>ffmpeg -vf crop=…,scale=…:flags=neighbor,drawgrid=…</c>) and the face edges were read off by eye: left and right
/// the cheek/skin boundary at eye level, top the hairline (brow line where hair covers the forehead), bottom the chin's
/// jaw shadow. Cross-check: OpenCV's <c>haarcascade_frontalface_default.xml</c> (scale 1.1, 5 neighbours, min 24 px)
/// finds astronaut (177, 66, 95, 95) and messi5 (227, 94, 37, 37): the same horizontal extent within 4–6 px; the Haar
/// box convention sits higher (forehead to upper lip), so only its horizontal extent and centre agree.
/// </remarks>
internal static class GroundTruth
{
    /// <summary>astronaut.png (512x512): Eileen Collins' face, x 181–271, y 82–177.</summary>
    public static readonly BoxF AstronautFace = FixtureFaces.AstronautBox;

    /// <summary>astronaut.png: the subject's right eye (image left) and left eye (image right), pupil centres.</summary>
    public static readonly PointF AstronautRightEye = new(203, 101);

    /// <summary>astronaut.png: the subject's left eye.</summary>
    public static readonly PointF AstronautLeftEye = new(247, 103);

    /// <summary>messi5.jpg (548x342): Messi's face, x 221–256, y 96–132 (about 36 px: too small for the 128 model on the full frame).</summary>
    public static readonly BoxF MessiFace = FixtureFaces.MessiBox;

    /// <summary>Asserts that every edge of <paramref name="actual"/> is within <paramref name="tolerance"/> pixels of <paramref name="expected"/>.</summary>
    public static void AssertBoxNear(BoxF expected, BoxF actual, float tolerance)
    {
        var worst = MathF.Max(
            MathF.Max(MathF.Abs(expected.X - actual.X), MathF.Abs(expected.Y - actual.Y)),
            MathF.Max(MathF.Abs(expected.Right - actual.Right), MathF.Abs(expected.Bottom - actual.Bottom)));
        Assert.True(worst <= tolerance, $"Box {actual} is {worst:F1} px from the expected {expected} (tolerance {tolerance} px).");
    }

    /// <summary>Asserts that two points are within <paramref name="tolerance"/> pixels of each other.</summary>
    public static void AssertPointNear(PointF expected, PointF actual, float tolerance)
    {
        var distance = MathF.Sqrt(((expected.X - actual.X) * (expected.X - actual.X)) + ((expected.Y - actual.Y) * (expected.Y - actual.Y)));
        Assert.True(distance <= tolerance, $"Point {actual} is {distance:F1} px from the expected {expected} (tolerance {tolerance} px).");
    }
}
