// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Detection;
using PainStream.Core.Tracking;

namespace PainStream.Core.Tests.Tracking;

/// <summary>Synthetic faces for tracker tests: a box and 68 landmarks laid out in it.</summary>
internal static class TrackScene
{
    public const int FrameWidth = 640;
    public const int FrameHeight = 480;

    public static readonly DateTimeOffset T0 = new(2026, 1, 1, 8, 0, 0, TimeSpan.Zero);

    public static DateTimeOffset At(double seconds) => T0 + TimeSpan.FromSeconds(seconds);

    /// <summary>A face of <paramref name="size"/> pixels with its top-left corner at (<paramref name="x"/>, <paramref name="y"/>).</summary>
    public static TrackInput Face(float x, float y, float size = 80, bool landmarks = true) =>
        new(new BoxF(x, y, size, size), landmarks ? Landmarks(new BoxF(x, y, size, size)) : default);

    /// <summary>A face whose detector box is <paramref name="box"/> but whose landmarks sit on <paramref name="truth"/>.</summary>
    public static TrackInput Face(BoxF box, BoxF truth) => new(box, Landmarks(truth));

    /// <summary>68 points spread over the inner 60 % of the box, like a face's landmarks.</summary>
    public static PointF[] Landmarks(BoxF box)
    {
        var points = new PointF[68];
        for (var i = 0; i < points.Length; i++)
        {
            var u = 0.2f + (0.6f * ((i * 37) % 68) / 67f);
            var v = 0.2f + (0.6f * ((i * 11) % 68) / 67f);
            points[i] = new PointF(box.X + (u * box.Width), box.Y + (v * box.Height));
        }

        return points;
    }

    public static FaceTracker Tracker(FaceTrackerOptions? options = null, BedLayout? beds = null) =>
        new(beds ?? BedLayout.WholeFrame, FrameWidth, FrameHeight, options);
}
