// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Runtime.InteropServices;
using OpenCvSharp;
using PainStream.Core.Detection;

namespace PainStream.Tools.Datasets;

/// <summary>A decoded image: packed BGR24 rows (stride <c>Width * 3</c>).</summary>
/// <param name="Pixels">The pixel bytes.</param>
/// <param name="Width">Width in pixels.</param>
/// <param name="Height">Height in pixels.</param>
internal sealed record PackedImage(byte[] Pixels, int Width, int Height)
{
    /// <summary>Gets a view of the pixels.</summary>
    public BgrImage View => new(Pixels, Width, Height, Width * 3);
}

/// <summary>Image file input and output for the dataset verbs (OpenCV codecs).</summary>
internal static class ImageFiles
{
    /// <summary>Reads an image file as BGR24.</summary>
    /// <param name="path">The file.</param>
    /// <param name="image">The image, or <see langword="null"/>.</param>
    /// <param name="error">Why it could not be read, or <see langword="null"/>.</param>
    /// <returns>Whether the image was read.</returns>
    public static bool TryRead(string path, out PackedImage? image, out string? error)
    {
        image = null;
        if (!File.Exists(path))
        {
            error = "file not found";
            return false;
        }

        using var mat = Cv2.ImRead(path, ImreadModes.Color);
        if (mat.Empty())
        {
            error = "not an image OpenCV can decode";
            return false;
        }

        image = FromMat(mat);
        error = null;
        return true;
    }

    /// <summary>Whether a file name looks like a video clip (by extension).</summary>
    /// <param name="path">The file.</param>
    /// <returns><see langword="true"/> for .avi, .mp4, .mkv, .mov, .webm.</returns>
    public static bool IsVideo(string path) =>
        Path.GetExtension(path).ToUpperInvariant() is ".AVI" or ".MP4" or ".MKV" or ".MOV" or ".WEBM";

    /// <summary>Decodes <paramref name="count"/> frames spread evenly over a clip (OpenCV's video reader).</summary>
    /// <param name="path">The clip.</param>
    /// <param name="count">How many frames to sample.</param>
    /// <param name="error">Why the clip cannot be read, or <see langword="null"/>.</param>
    /// <returns>The frame numbers and images that decoded.</returns>
    public static List<(int Frame, PackedImage Image)> SampleFrames(string path, int count, out string? error)
    {
        var frames = new List<(int, PackedImage)>();
        using var capture = new VideoCapture(path);
        if (!capture.IsOpened())
        {
            error = "not a video OpenCV can open";
            return frames;
        }

        var total = capture.FrameCount;
        if (total <= 0)
        {
            error = "the clip reports no frames";
            return frames;
        }

        using var mat = new Mat();
        for (var k = 0; k < count; k++)
        {
            var frame = (int)((k + 0.5) * total / count);
            capture.PosFrames = frame;
            if (capture.Read(mat) && !mat.Empty() && mat.Type() == MatType.CV_8UC3)
            {
                frames.Add((frame, FromMat(mat)));
            }
        }

        error = frames.Count == 0 ? "no frame could be decoded" : null;
        return frames;
    }

    /// <summary>Copies a BGR24 <see cref="Mat"/> into a packed image.</summary>
    /// <param name="mat">An 8-bit, 3-channel matrix.</param>
    /// <returns>The packed copy.</returns>
    public static PackedImage FromMat(Mat mat)
    {
        var (width, height) = (mat.Cols, mat.Rows);
        var stride = width * 3;
        var data = new byte[stride * height];
        for (var y = 0; y < height; y++)
        {
            Marshal.Copy(mat.Ptr(y), data, y * stride, stride);
        }

        return new PackedImage(data, width, height);
    }

    /// <summary>Writes packed BGR24 pixels as a PNG, creating the directory.</summary>
    /// <param name="path">The file.</param>
    /// <param name="pixels">The pixels (stride <paramref name="width"/> × 3).</param>
    /// <param name="width">Width in pixels.</param>
    /// <param name="height">Height in pixels.</param>
    public static void WritePng(string path, byte[] pixels, int width, int height)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        using var mat = Mat.FromPixelData(height, width, MatType.CV_8UC3, pixels, width * 3);
        if (!Cv2.ImWrite(path, mat))
        {
            throw new IOException($"OpenCV could not write {path}.");
        }
    }
}
