// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Detection;

namespace PainStream.Core.Cameras;

/// <summary>
/// How a camera's frame splits into the regions the detector runs on, how faces found in a region map back to the frame,
/// and how many pixels a patient's face can be expected to get in a bed's region.
/// </summary>
/// <remarks>
/// <para>
/// <b>Frame</b> analysis runs the detector once on the camera's <c>Region</c> (or the whole frame) of the
/// <c>Capture:Width</c>×<c>Height</c> picture. <b>Beds</b> analysis decodes the picture at <c>Capture:BedsWidth</c>×<c>BedsHeight</c>
/// (1920×1080 by default) and runs the detector once per bed on the bed's region (clipped to the camera's <c>Region</c> when one
/// is set). A region is a view of the frame's own buffer, not a copy, so a bed keeps every pixel the decoded picture has: the
/// tile size rule is "the bed's region at the beds resolution, never scaled". Landmarks, pose and quality are then computed on
/// the whole frame at that resolution, so the faces only need to be shifted by their tile's origin to be in frame coordinates.
/// </para>
/// <para>Pure and thread-safe.</para>
/// </remarks>
public static class AnalysisTiles
{
    /// <summary>
    /// The expected distance between the outer eye corners of a patient's face, as a fraction of the longer side of the bed's
    /// region: an adult's outer canthal width is about 90 mm and a bed about 2 m long, and the bed's length is taken to span the
    /// region's longer side (0.09 m / 2 m).
    /// </summary>
    public const double InterOcularPerBedLength = 0.045;

    /// <summary>Gets the pixel rectangles the detector runs on for one frame of <paramref name="camera"/>.</summary>
    /// <param name="camera">The camera.</param>
    /// <param name="frameWidth">Frame width in pixels.</param>
    /// <param name="frameHeight">Frame height in pixels.</param>
    /// <param name="tiles">Receives the rectangles (cleared first): one per bed in beds mode, else the camera's region or the whole frame.</param>
    public static void Split(CameraSettings camera, int frameWidth, int frameHeight, List<PixelRect> tiles)
    {
        ArgumentNullException.ThrowIfNull(camera);
        ArgumentNullException.ThrowIfNull(tiles);
        tiles.Clear();
        var whole = new PixelRect(0, 0, frameWidth, frameHeight);
        var region = camera.Region is { } r ? r.ToPixels(frameWidth, frameHeight) : whole;
        if (camera.Analysis != AnalysisMode.Beds)
        {
            tiles.Add(region);
            return;
        }

        foreach (var bed in camera.Beds)
        {
            if (Intersect(bed.Region.ToPixels(frameWidth, frameHeight), region) is { } tile)
            {
                tiles.Add(tile);
            }
        }
    }

    /// <summary>The overlap of two rectangles, or <see langword="null"/> when they do not overlap.</summary>
    /// <param name="a">One rectangle.</param>
    /// <param name="b">The other.</param>
    /// <returns>The intersection.</returns>
    public static PixelRect? Intersect(PixelRect a, PixelRect b)
    {
        var x = Math.Max(a.X, b.X);
        var y = Math.Max(a.Y, b.Y);
        var right = Math.Min(a.X + a.Width, b.X + b.Width);
        var bottom = Math.Min(a.Y + a.Height, b.Y + b.Height);
        return right > x && bottom > y ? new PixelRect(x, y, right - x, bottom - y) : null;
    }

    /// <summary>Maps a face found in a tile (tile pixels) to the frame's pixels.</summary>
    /// <param name="face">The face in the tile's coordinates.</param>
    /// <param name="tile">The tile, in frame pixels.</param>
    /// <returns>The face in frame coordinates (the same instance when the tile starts at the origin).</returns>
    public static DetectedFace ToFrame(DetectedFace face, PixelRect tile)
    {
        ArgumentNullException.ThrowIfNull(face);
        if (tile.X == 0 && tile.Y == 0)
        {
            return face;
        }

        var points = new PointF[face.Keypoints.Count];
        for (var k = 0; k < points.Length; k++)
        {
            points[k] = new PointF(face.Keypoints[k].X + tile.X, face.Keypoints[k].Y + tile.Y);
        }

        return face with { Box = face.Box.Offset(tile.X, tile.Y), Keypoints = points };
    }

    /// <summary>
    /// The pixels between the eyes a patient's face is expected to get in <paramref name="bed"/>'s region of a
    /// <paramref name="frameWidth"/>×<paramref name="frameHeight"/> picture (see <see cref="InterOcularPerBedLength"/>).
    /// </summary>
    /// <param name="bed">The bed's region.</param>
    /// <param name="frameWidth">Picture width.</param>
    /// <param name="frameHeight">Picture height.</param>
    /// <returns>The expected inter-ocular distance in pixels.</returns>
    public static double ExpectedInterOcularPixels(NormalizedRegion bed, int frameWidth, int frameHeight)
    {
        var pixels = bed.ToPixels(frameWidth, frameHeight);
        return InterOcularPerBedLength * Math.Max(pixels.Width, pixels.Height);
    }
}
