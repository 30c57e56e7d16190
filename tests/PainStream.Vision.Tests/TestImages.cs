// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Runtime.InteropServices;
using OpenCvSharp;
using PainStream.Core.Detection;

namespace PainStream.Vision.Tests;

/// <summary>A BGR24 image held in a managed buffer, for building <see cref="BgrImage"/> views in tests.</summary>
internal sealed class TestImage
{
    private TestImage(byte[] data, int width, int height, int stride)
    {
        Data = data;
        Width = width;
        Height = height;
        Stride = stride;
    }

    public byte[] Data { get; }

    public int Width { get; }

    public int Height { get; }

    public int Stride { get; }

    /// <summary>Gets a view of the whole image.</summary>
    public BgrImage View => new(Data, Width, Height, Stride);

    /// <summary>Decodes an image file (PNG, JPEG) with OpenCV into a packed BGR24 buffer.</summary>
    public static TestImage Load(string path)
    {
        using var mat = Cv2.ImRead(path, ImreadModes.Color);
        if (mat.Empty())
        {
            throw new InvalidDataException($"OpenCV could not decode '{path}'.");
        }

        return FromMat(mat);
    }

    /// <summary>Copies an 8-bit, 3-channel OpenCV image into a packed BGR24 buffer.</summary>
    public static TestImage FromMat(Mat mat)
    {
        if (mat.Type() != MatType.CV_8UC3)
        {
            throw new ArgumentException($"Expected a CV_8UC3 image, got {mat.Type()}.", nameof(mat));
        }

        var (width, height) = (mat.Cols, mat.Rows);
        var stride = width * 3;
        var data = new byte[stride * height];
        for (var y = 0; y < height; y++)
        {
            Marshal.Copy(mat.Ptr(y), data, y * stride, stride);
        }

        return new TestImage(data, width, height, stride);
    }

    /// <summary>Wraps the pixels in an OpenCV header (no copy); dispose it before the buffer is reused.</summary>
    public Mat AsMat() => Mat.FromPixelData(Height, Width, MatType.CV_8UC3, Data, Stride);

    /// <summary>Wraps a packed BGR24 buffer (no copy).</summary>
    public static TestImage FromBytes(byte[] data, int width, int height) => new(data, width, height, width * 3);

    /// <summary>Creates a uniform image.</summary>
    public static TestImage Uniform(int width, int height, byte value)
    {
        var data = new byte[width * height * 3];
        Array.Fill(data, value);
        return new TestImage(data, width, height, width * 3);
    }

    /// <summary>Returns a copy whose rows are <paramref name="extraBytes"/> longer than the pixels (garbage-filled padding).</summary>
    public TestImage WithStridePadding(int extraBytes)
    {
        var stride = (Width * 3) + extraBytes;
        var data = new byte[stride * Height];
        Array.Fill(data, (byte)0xA5);
        for (var y = 0; y < Height; y++)
        {
            Data.AsSpan(y * Stride, Width * 3).CopyTo(data.AsSpan(y * stride));
        }

        return new TestImage(data, Width, Height, stride);
    }
}
