// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Detection;
using PainStream.Core.Frames;

namespace PainStream.Vision.Alignment;

/// <summary>
/// Converts I420 views to what BGR consumers read: a region to packed BGR24 (BT.601 limited range, each chroma sample for its
/// 2×2 pixels, as ffmpeg's <c>bgr24</c> output), and a luma byte to the grey level dlib's predictor was trained on.
/// </summary>
public static class I420Pixels
{
    // Fixed point, 16 fractional bits: 1.164383 (Y), 1.596027 (V→R), 0.391762 (U→G), 0.812968 (V→G), 2.017232 (U→B).
    private const int Cy = 76309;
    private const int Cvr = 104597;
    private const int Cug = 25675;
    private const int Cvg = 53279;
    private const int Cub = 132201;

    // Not the +0.5 of exact rounding: ffmpeg 5.1's yuv420p → bgr24 (the bgr24 path's converter) comes out about 1.2 levels
    // darker per channel on the demo clip; this bias (−0.7 level before the floor) brings the mean grey difference from
    // 1.22 to 0.06 levels, so the two paths feed the predictor and the quality gate the same brightness.
    private const int Round = -45875;

    /// <summary>
    /// Gets the full-range grey level of each limited-range luma byte: <c>(Y − 16) · 255 / 219</c>, rounded and clamped to 0–255,
    /// so a tree split on the difference of two samples sees the contrast it saw on the BGR frame's channel mean.
    /// </summary>
    public static ReadOnlySpan<byte> LumaToGrey => s_lumaToGrey;

    private static readonly byte[] s_lumaToGrey = CreateLumaToGrey();

    /// <summary>Converts an I420 view to packed BGR24.</summary>
    /// <param name="image">The I420 view (it may be a crop; it should start on even pixels, as <see cref="FrameImage.Crop"/> does).</param>
    /// <param name="destination">At least <c>(Height − 1) · stride + Width · 3</c> bytes.</param>
    /// <param name="stride">Destination bytes per row, at least <c>Width · 3</c>.</param>
    /// <exception cref="ArgumentException">The view is not I420 or the destination is too short.</exception>
    public static void ToBgr(FrameImage image, Span<byte> destination, int stride)
    {
        if (image.Format != FramePixelFormat.I420)
        {
            throw new ArgumentException("The view is not I420.", nameof(image));
        }

        int width = image.Width, height = image.Height;
        ArgumentOutOfRangeException.ThrowIfLessThan(stride, width * 3);
        if (destination.Length < ((height - 1) * stride) + (width * 3))
        {
            throw new ArgumentException("The destination is shorter than the image.", nameof(destination));
        }

        var yPlane = image.Y;
        var uPlane = image.U;
        var vPlane = image.V;
        for (var row = 0; row < height; row++)
        {
            var y = yPlane.GetRow(row);
            var u = uPlane.GetRow(row / 2);
            var v = vPlane.GetRow(row / 2);
            var o = destination.Slice(row * stride, width * 3);
            for (var x = 0; x < width; x++)
            {
                var c = (y[x] - 16) * Cy;
                var d = u[x / 2] - 128;
                var e = v[x / 2] - 128;
                o[3 * x] = Clamp((c + (Cub * d) + Round) >> 16);
                o[(3 * x) + 1] = Clamp((c - (Cug * d) - (Cvg * e) + Round) >> 16);
                o[(3 * x) + 2] = Clamp((c + (Cvr * e) + Round) >> 16);
            }
        }
    }

    /// <summary>Converts full-resolution Y, U and V planes of the same size (one sample of each per pixel) to packed BGR24.</summary>
    /// <param name="y">Luma, one byte per pixel.</param>
    /// <param name="u">U (Cb), as long as <paramref name="y"/>.</param>
    /// <param name="v">V (Cr), as long as <paramref name="y"/>.</param>
    /// <param name="bgr">At least three times as long as <paramref name="y"/>.</param>
    public static void ToBgr(ReadOnlySpan<byte> y, ReadOnlySpan<byte> u, ReadOnlySpan<byte> v, Span<byte> bgr)
    {
        if (u.Length < y.Length || v.Length < y.Length || bgr.Length < y.Length * 3)
        {
            throw new ArgumentException("The planes and the destination must cover the luma plane.", nameof(bgr));
        }

        for (var i = 0; i < y.Length; i++)
        {
            var c = (y[i] - 16) * Cy;
            var d = u[i] - 128;
            var e = v[i] - 128;
            bgr[3 * i] = Clamp((c + (Cub * d) + Round) >> 16);
            bgr[(3 * i) + 1] = Clamp((c - (Cug * d) - (Cvg * e) + Round) >> 16);
            bgr[(3 * i) + 2] = Clamp((c + (Cvr * e) + Round) >> 16);
        }
    }

    /// <summary>
    /// Gets dlib's grey level of one I420 sample: the truncated mean of the B, G and R bytes <see cref="ToBgr(FrameImage, Span{byte}, int)"/> makes of it, so
    /// the landmark predictor reads on an I420 frame what it reads on the same frame delivered as BGR24.
    /// </summary>
    /// <param name="y">The luma byte.</param>
    /// <param name="u">The U (Cb) byte of the pixel's 2×2 block.</param>
    /// <param name="v">The V (Cr) byte of the pixel's 2×2 block.</param>
    /// <returns>The grey level, 0–255.</returns>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static int ChannelMean(byte y, byte u, byte v)
    {
        var c = (y - 16) * Cy;
        var d = u - 128;
        var e = v - 128;
        var b = Math.Clamp((c + (Cub * d) + Round) >> 16, 0, 255);
        var g = Math.Clamp((c - (Cug * d) - (Cvg * e) + Round) >> 16, 0, 255);
        var r = Math.Clamp((c + (Cvr * e) + Round) >> 16, 0, 255);
        return (b + g + r) / 3;
    }

    private static byte Clamp(int value) => (byte)Math.Clamp(value, 0, 255);

    private static byte[] CreateLumaToGrey()
    {
        var table = new byte[256];
        for (var i = 0; i < table.Length; i++)
        {
            table[i] = (byte)Math.Clamp((int)Math.Round((i - 16) * 255.0 / 219.0), 0, 255);
        }

        return table;
    }
}
