// Copyright (c) PainStream contributors. Licensed under the MIT License.

namespace PainStream.Core.Detection;

/// <summary>
/// A read-only view of one byte per pixel: an I420 frame's Y, U or V plane, or a rectangle of one, without copying.
/// </summary>
public readonly ref struct GrayImage
{
    /// <summary>Initializes a new instance of the <see cref="GrayImage"/> struct.</summary>
    /// <param name="data">Bytes starting at the view's top-left pixel.</param>
    /// <param name="width">Width in pixels.</param>
    /// <param name="height">Height in pixels.</param>
    /// <param name="stride">Bytes from one row to the next (at least <paramref name="width"/>).</param>
    public GrayImage(ReadOnlySpan<byte> data, int width, int height, int stride)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfLessThan(stride, width);
        if (data.Length < ((height - 1) * stride) + width)
        {
            throw new ArgumentException("The pixel span is shorter than the image it describes.", nameof(data));
        }

        Data = data;
        Width = width;
        Height = height;
        Stride = stride;
    }

    /// <summary>Gets the bytes, starting at the top-left pixel of the view.</summary>
    public ReadOnlySpan<byte> Data { get; }

    /// <summary>Gets the width in pixels.</summary>
    public int Width { get; }

    /// <summary>Gets the height in pixels.</summary>
    public int Height { get; }

    /// <summary>Gets the number of bytes between the starts of two rows.</summary>
    public int Stride { get; }

    /// <summary>Gets one row of <see cref="Width"/> bytes.</summary>
    /// <param name="y">The row index.</param>
    /// <returns>The row's bytes.</returns>
    public ReadOnlySpan<byte> GetRow(int y) => Data.Slice(y * Stride, Width);

    /// <summary>Returns a view of <paramref name="rect"/>, clamped to this image.</summary>
    /// <param name="rect">The rectangle to cut out, in this view's coordinates.</param>
    /// <returns>The sub-view; it shares this view's memory.</returns>
    public GrayImage Crop(PixelRect rect)
    {
        var x = Math.Clamp(rect.X, 0, Width - 1);
        var y = Math.Clamp(rect.Y, 0, Height - 1);
        var w = Math.Clamp(rect.Width, 1, Width - x);
        var h = Math.Clamp(rect.Height, 1, Height - y);
        return new GrayImage(Data[((y * Stride) + x)..], w, h, Stride);
    }
}
