// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Frames;

namespace PainStream.Core.Detection;

/// <summary>
/// A read-only view of a frame's pixels, or of a rectangle of them, in the frame's own layout (<see cref="FramePixelFormat"/>):
/// a packed <see cref="BgrImage"/>, or I420's three planes. Consumers read what they need: the shape predictor the luma
/// (<see cref="Y"/>), the detector colour at its own small size, the aligner the face's region converted to BGR.
/// </summary>
public readonly ref struct FrameImage
{
    private readonly BgrImage _bgr;
    private readonly GrayImage _y;
    private readonly GrayImage _u;
    private readonly GrayImage _v;

    /// <summary>Initializes a new instance of the <see cref="FrameImage"/> struct over packed BGR24 pixels.</summary>
    /// <param name="bgr">The pixels.</param>
    public FrameImage(BgrImage bgr)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bgr.Width, nameof(bgr));
        Format = FramePixelFormat.Bgr24;
        _bgr = bgr;
        Width = bgr.Width;
        Height = bgr.Height;
    }

    /// <summary>Initializes a new instance of the <see cref="FrameImage"/> struct over I420 planes.</summary>
    /// <param name="y">The luma plane (the image's size).</param>
    /// <param name="u">The U (Cb) plane, half the luma's size rounded up in each direction.</param>
    /// <param name="v">The V (Cr) plane, the size of <paramref name="u"/>.</param>
    /// <exception cref="ArgumentException">The chroma planes' sizes do not match the luma's.</exception>
    public FrameImage(GrayImage y, GrayImage u, GrayImage v)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(y.Width, nameof(y));
        if (u.Width != (y.Width + 1) / 2 || u.Height != (y.Height + 1) / 2 || v.Width != u.Width || v.Height != u.Height)
        {
            throw new ArgumentException($"I420 chroma planes must be {(y.Width + 1) / 2}x{(y.Height + 1) / 2} for a {y.Width}x{y.Height} luma plane (got U {u.Width}x{u.Height}, V {v.Width}x{v.Height}).", nameof(u));
        }

        Format = FramePixelFormat.I420;
        _y = y;
        _u = u;
        _v = v;
        Width = y.Width;
        Height = y.Height;
    }

    /// <summary>Gets the layout of the pixels.</summary>
    public FramePixelFormat Format { get; }

    /// <summary>Gets the width in pixels.</summary>
    public int Width { get; }

    /// <summary>Gets the height in pixels.</summary>
    public int Height { get; }

    /// <summary>Gets the packed pixels of a <see cref="FramePixelFormat.Bgr24"/> image.</summary>
    /// <exception cref="InvalidOperationException">The image is I420.</exception>
    public BgrImage Bgr => Format == FramePixelFormat.Bgr24 ? _bgr : throw NotIn(FramePixelFormat.Bgr24);

    /// <summary>Gets the luma plane of an I420 image: the grey view the landmark predictor reads (limited range, 16–235).</summary>
    /// <exception cref="InvalidOperationException">The image is BGR24.</exception>
    public GrayImage Y => Format == FramePixelFormat.I420 ? _y : throw NotIn(FramePixelFormat.I420);

    /// <summary>Gets the U (Cb) plane of an I420 image.</summary>
    /// <exception cref="InvalidOperationException">The image is BGR24.</exception>
    public GrayImage U => Format == FramePixelFormat.I420 ? _u : throw NotIn(FramePixelFormat.I420);

    /// <summary>Gets the V (Cr) plane of an I420 image.</summary>
    /// <exception cref="InvalidOperationException">The image is BGR24.</exception>
    public GrayImage V => Format == FramePixelFormat.I420 ? _v : throw NotIn(FramePixelFormat.I420);

    /// <summary>Wraps packed BGR pixels.</summary>
    /// <param name="bgr">The pixels.</param>
    public static implicit operator FrameImage(BgrImage bgr) => new(bgr);

    /// <summary>Gets a view of <paramref name="frame"/>'s pixels in its own format: packed BGR, or the three I420 plane views.</summary>
    /// <param name="frame">The frame.</param>
    /// <returns>The view; valid while the frame is not disposed.</returns>
    /// <exception cref="ObjectDisposedException">The frame was disposed.</exception>
    public static FrameImage Of(Frame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        return FromBuffer(frame.Pixels, frame.Format, frame.Width, frame.Height);
    }

    /// <summary>Wraps a whole frame's bytes laid out as <paramref name="format"/> (what ffmpeg writes to its pipe).</summary>
    /// <param name="data">At least <see cref="FramePixelFormats.FrameBytes"/> bytes.</param>
    /// <param name="format">The layout.</param>
    /// <param name="width">Width in pixels (even for I420).</param>
    /// <param name="height">Height in pixels (even for I420).</param>
    /// <returns>The view.</returns>
    /// <exception cref="ArgumentException">I420 with an odd size, or too few bytes.</exception>
    public static FrameImage FromBuffer(ReadOnlySpan<byte> data, FramePixelFormat format, int width, int height)
    {
        if (format == FramePixelFormat.Bgr24)
        {
            return new BgrImage(data, width, height, width * 3);
        }

        if (format != FramePixelFormat.I420)
        {
            throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown pixel format.");
        }

        if (width % 2 != 0 || height % 2 != 0)
        {
            throw new ArgumentException($"An I420 frame needs an even width and height (got {width}x{height}).", nameof(width));
        }

        var bytes = FramePixelFormats.FrameBytes(format, width, height);
        if (data.Length < bytes)
        {
            throw new ArgumentException($"A {width}x{height} I420 frame has {bytes} bytes; the span has {data.Length}.", nameof(data));
        }

        var lumaBytes = width * height;
        var chromaBytes = lumaBytes / 4;
        return new FrameImage(
            new GrayImage(data[..lumaBytes], width, height, width),
            new GrayImage(data.Slice(lumaBytes, chromaBytes), width / 2, height / 2, width / 2),
            new GrayImage(data.Slice(lumaBytes + chromaBytes, chromaBytes), width / 2, height / 2, width / 2));
    }

    /// <summary>
    /// Returns a view of <paramref name="rect"/>, clamped to this image. An I420 view starts on even coordinates (the chroma
    /// planes have one sample per 2×2 pixels), so its top-left corner is moved up and left to the nearest even pixel and its
    /// size grown to keep the requested area; <see cref="CropOrigin"/> says where it really starts.
    /// </summary>
    /// <param name="rect">The rectangle to cut out, in this view's coordinates.</param>
    /// <returns>The sub-view; it shares this view's memory.</returns>
    public FrameImage Crop(PixelRect rect)
    {
        if (Format == FramePixelFormat.Bgr24)
        {
            return _bgr.Crop(rect);
        }

        var r = CropOrigin(rect);
        var chroma = new PixelRect(r.X / 2, r.Y / 2, (r.Width + 1) / 2, (r.Height + 1) / 2);
        return new FrameImage(_y.Crop(r), _u.Crop(chroma), _v.Crop(chroma));
    }

    /// <summary>Gets the rectangle <see cref="Crop"/> really cuts for <paramref name="rect"/>: clamped, and for I420 on even coordinates.</summary>
    /// <param name="rect">The requested rectangle.</param>
    /// <returns>The rectangle of the view <see cref="Crop"/> returns, in this view's coordinates.</returns>
    public PixelRect CropOrigin(PixelRect rect)
    {
        var x = Math.Clamp(rect.X, 0, Width - 1);
        var y = Math.Clamp(rect.Y, 0, Height - 1);
        var right = x + Math.Clamp(rect.Width, 1, Width - x);
        var bottom = y + Math.Clamp(rect.Height, 1, Height - y);
        if (Format == FramePixelFormat.I420)
        {
            x &= ~1;
            y &= ~1;
            right = Math.Min(Width, (right + 1) & ~1);
            bottom = Math.Min(Height, (bottom + 1) & ~1);
        }

        return new PixelRect(x, y, right - x, bottom - y);
    }

    private static InvalidOperationException NotIn(FramePixelFormat wanted) =>
        new($"The image is not {wanted}; read the view of its own format.");
}
