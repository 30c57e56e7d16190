// Copyright (c) PainStream contributors. Licensed under the MIT License.

namespace PainStream.Core.Detection;

/// <summary>
/// A read-only view of packed BGR24 pixels: a whole frame or a rectangle of one (a region of interest), without copying.
/// </summary>
public readonly ref struct BgrImage
{
    /// <summary>Initializes a new instance of the <see cref="BgrImage"/> struct.</summary>
    /// <param name="data">Pixel bytes starting at the view's top-left pixel.</param>
    /// <param name="width">Width in pixels.</param>
    /// <param name="height">Height in pixels.</param>
    /// <param name="stride">Bytes from one row to the next (at least <c>width * 3</c>).</param>
    public BgrImage(ReadOnlySpan<byte> data, int width, int height, int stride)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfLessThan(stride, width * 3);
        if (data.Length < ((height - 1) * stride) + (width * 3))
        {
            throw new ArgumentException("The pixel span is shorter than the image it describes.", nameof(data));
        }

        Data = data;
        Width = width;
        Height = height;
        Stride = stride;
    }

    /// <summary>Gets the pixel bytes, starting at the top-left pixel of the view.</summary>
    public ReadOnlySpan<byte> Data { get; }

    /// <summary>Gets the width in pixels.</summary>
    public int Width { get; }

    /// <summary>Gets the height in pixels.</summary>
    public int Height { get; }

    /// <summary>Gets the number of bytes between the starts of two rows.</summary>
    public int Stride { get; }

    /// <summary>Gets one row of <c>Width * 3</c> bytes.</summary>
    /// <param name="y">The row index.</param>
    /// <returns>The row's pixel bytes.</returns>
    public ReadOnlySpan<byte> GetRow(int y) => Data.Slice(y * Stride, Width * 3);

    /// <summary>Returns a view of <paramref name="rect"/>, clamped to this image.</summary>
    /// <param name="rect">The rectangle to cut out, in this view's coordinates.</param>
    /// <returns>The sub-view; it shares this view's memory.</returns>
    public BgrImage Crop(PixelRect rect)
    {
        var x = Math.Clamp(rect.X, 0, Width - 1);
        var y = Math.Clamp(rect.Y, 0, Height - 1);
        var w = Math.Clamp(rect.Width, 1, Width - x);
        var h = Math.Clamp(rect.Height, 1, Height - y);
        return new BgrImage(Data[((y * Stride) + (x * 3))..], w, h, Stride);
    }
}
