// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Detection;

namespace PainStream.Tools.Synthesis;

/// <summary>Finds the largest face in a still image, searching regions when the whole image shows none.</summary>
public static class FaceSearch
{
    /// <summary>The smallest search region side, in pixels.</summary>
    public const int MinRegionSide = 96;

    /// <summary>
    /// Returns the face with the largest box among those scoring at least <paramref name="minScore"/>. When the whole image
    /// gives none (a face small next to the image shrinks below what the detector's square input resolves), squares of half
    /// the image's shorter side (at least <see cref="MinRegionSide"/> px), overlapping by half, are searched one by one.
    /// </summary>
    /// <param name="detector">The detector.</param>
    /// <param name="image">The image.</param>
    /// <param name="minScore">The smallest detector score accepted.</param>
    /// <returns>The largest face in <paramref name="image"/>'s coordinates, or <see langword="null"/> when there is none.</returns>
    public static DetectedFace? FindLargest(IFaceDetector detector, BgrImage image, float minScore)
    {
        ArgumentNullException.ThrowIfNull(detector);
        DetectedFace? best = null;
        Keep(ref best, detector.Detect(image), minScore, 0, 0);
        if (best is not null)
        {
            return best;
        }

        var side = Math.Max(MinRegionSide, Math.Min(image.Width, image.Height) / 2);
        if (side >= Math.Max(image.Width, image.Height))
        {
            // One region would be the whole image again.
            return null;
        }

        var step = side / 2;
        foreach (var y in Starts(image.Height, side, step))
        {
            foreach (var x in Starts(image.Width, side, step))
            {
                var region = image.Crop(new PixelRect(x, y, side, side));
                Keep(ref best, detector.Detect(region), minScore, x, y);
            }
        }

        return best;
    }

    private static void Keep(ref DetectedFace? best, IReadOnlyList<DetectedFace> faces, float minScore, int dx, int dy)
    {
        foreach (var face in faces)
        {
            if (face.Score >= minScore && (best is null || face.Box.Area > best.Box.Area))
            {
                best = dx == 0 && dy == 0
                    ? face
                    : new DetectedFace(face.Box.Offset(dx, dy), face.Score, [.. face.Keypoints.Select(p => new PointF(p.X + dx, p.Y + dy))]);
            }
        }
    }

    /// <summary>Region starts along one axis: every <paramref name="step"/>, the last one flush with the far edge.</summary>
    private static List<int> Starts(int length, int side, int step)
    {
        var starts = new List<int>();
        if (side >= length)
        {
            starts.Add(0);
            return starts;
        }

        for (var s = 0; s + side < length; s += step)
        {
            starts.Add(s);
        }

        starts.Add(length - side);
        return starts;
    }
}
