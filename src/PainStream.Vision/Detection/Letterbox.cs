// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Detection;

namespace PainStream.Vision.Detection;

/// <summary>
/// How an image is fitted into a square model input keeping its aspect ratio: scaled to <see cref="ResizedWidth"/> x
/// <see cref="ResizedHeight"/> and centred with black bars. Maps normalised model coordinates back to image pixels.
/// </summary>
/// <remarks>Coordinates are continuous (pixel edges on integers), matching <c>cv::resize</c>'s sampling.</remarks>
internal readonly record struct Letterbox
{
    private Letterbox(int size, int imageWidth, int imageHeight, int resizedWidth, int resizedHeight)
    {
        Size = size;
        ImageWidth = imageWidth;
        ImageHeight = imageHeight;
        ResizedWidth = resizedWidth;
        ResizedHeight = resizedHeight;
        PadX = (size - resizedWidth) / 2;
        PadY = (size - resizedHeight) / 2;
    }

    /// <summary>Gets the model input size.</summary>
    public int Size { get; }

    /// <summary>Gets the source image width.</summary>
    public int ImageWidth { get; }

    /// <summary>Gets the source image height.</summary>
    public int ImageHeight { get; }

    /// <summary>Gets the width of the scaled image inside the input.</summary>
    public int ResizedWidth { get; }

    /// <summary>Gets the height of the scaled image inside the input.</summary>
    public int ResizedHeight { get; }

    /// <summary>Gets the left bar width.</summary>
    public int PadX { get; }

    /// <summary>Gets the top bar height.</summary>
    public int PadY { get; }

    /// <summary>Gets the horizontal scale from image to input pixels.</summary>
    public float ScaleX => (float)ResizedWidth / ImageWidth;

    /// <summary>Gets the vertical scale from image to input pixels.</summary>
    public float ScaleY => (float)ResizedHeight / ImageHeight;

    /// <summary>Computes the letterbox of a <paramref name="width"/> x <paramref name="height"/> image in a square input.</summary>
    /// <param name="width">The image width.</param>
    /// <param name="height">The image height.</param>
    /// <param name="size">The input size.</param>
    /// <returns>The letterbox.</returns>
    public static Letterbox Fit(int width, int height, int size)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        var scale = (double)size / Math.Max(width, height);
        var w = Math.Clamp((int)Math.Round(width * scale), 1, size);
        var h = Math.Clamp((int)Math.Round(height * scale), 1, size);
        return new Letterbox(size, width, height, w, h);
    }

    /// <summary>Maps a normalised input x coordinate (0..1 across the input) to image pixels.</summary>
    /// <param name="normalizedX">The normalised x.</param>
    /// <returns>The image x.</returns>
    public float ToImageX(float normalizedX) => ((normalizedX * Size) - PadX) / ScaleX;

    /// <summary>Maps a normalised input y coordinate to image pixels.</summary>
    /// <param name="normalizedY">The normalised y.</param>
    /// <returns>The image y.</returns>
    public float ToImageY(float normalizedY) => ((normalizedY * Size) - PadY) / ScaleY;

    /// <summary>Maps a normalised input point to image pixels.</summary>
    /// <param name="normalizedX">The normalised x.</param>
    /// <param name="normalizedY">The normalised y.</param>
    /// <returns>The image point.</returns>
    public PointF ToImage(float normalizedX, float normalizedY) => new(ToImageX(normalizedX), ToImageY(normalizedY));

    /// <summary>Maps an image point to normalised input coordinates (the inverse of <see cref="ToImage"/>).</summary>
    /// <param name="point">The image point.</param>
    /// <returns>The normalised input point.</returns>
    public PointF ToNormalized(PointF point) =>
        new(((point.X * ScaleX) + PadX) / Size, ((point.Y * ScaleY) + PadY) / Size);
}
