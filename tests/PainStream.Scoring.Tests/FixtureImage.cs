// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Runtime.InteropServices;
using OpenCvSharp;
using PainStream.Core.Detection;

namespace PainStream.Scoring.Tests;

/// <summary>A fixture image as packed BGR pixels: shared by the grimace and yaw scoring tests.</summary>
internal sealed record FixtureImage(byte[] Pixels, int Width, int Height)
{
    /// <summary>Gets a view of the pixels.</summary>
    public BgrImage View => new(Pixels, Width, Height, Width * 3);

    /// <summary>Reads an image file and scales it up by an integer factor (bicubic).</summary>
    /// <param name="path">The image file.</param>
    /// <param name="upscale">The factor (1: as is).</param>
    /// <returns>The image.</returns>
    public static FixtureImage Load(string path, int upscale)
    {
        using var read = Cv2.ImRead(path, ImreadModes.Color);
        Assert.False(read.Empty(), $"OpenCV could not decode {path}.");
        using var mat = new Mat();
        Cv2.Resize(read, mat, new Size(read.Cols * upscale, read.Rows * upscale), 0, 0, InterpolationFlags.Cubic);
        var (width, height) = (mat.Cols, mat.Rows);
        var data = new byte[width * height * 3];
        for (var y = 0; y < height; y++)
        {
            Marshal.Copy(mat.Ptr(y), data, y * width * 3, width * 3);
        }

        return new FixtureImage(data, width, height);
    }
}
