// Copyright (c) PainStream contributors. Licensed under the MIT License.

namespace PainStream.Core.Frames;

/// <summary>How a frame's pixels are laid out (<c>Capture:PixelFormat</c>).</summary>
public enum FramePixelFormat
{
    /// <summary>Packed BGR24: three bytes per pixel, <c>Width * 3</c> bytes per row (ffmpeg's <c>bgr24</c>).</summary>
    Bgr24,

    /// <summary>
    /// Planar YUV 4:2:0 (ffmpeg's <c>yuv420p</c>): the Y plane (<c>Width</c> × <c>Height</c>), then U and V
    /// (<c>Width / 2</c> × <c>Height / 2</c> each); BT.601 limited range as H.264 decodes it. Width and height must be even.
    /// </summary>
    I420,
}

/// <summary>Sizes and names of <see cref="FramePixelFormat"/>s.</summary>
public static class FramePixelFormats
{
    /// <summary>Gets the number of bytes of a <paramref name="width"/> × <paramref name="height"/> frame in <paramref name="format"/>.</summary>
    /// <param name="format">The layout.</param>
    /// <param name="width">Width in pixels (even for I420).</param>
    /// <param name="height">Height in pixels (even for I420).</param>
    /// <returns>The byte count.</returns>
    public static int FrameBytes(FramePixelFormat format, int width, int height) => format switch
    {
        FramePixelFormat.Bgr24 => checked(width * height * 3),
        FramePixelFormat.I420 => checked((width * height) + (2 * (width / 2) * (height / 2))),
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown pixel format."),
    };

    /// <summary>Gets ffmpeg's <c>-pix_fmt</c> name of <paramref name="format"/>.</summary>
    /// <param name="format">The layout.</param>
    /// <returns><c>bgr24</c> or <c>yuv420p</c>.</returns>
    public static string FfmpegName(FramePixelFormat format) => format switch
    {
        FramePixelFormat.Bgr24 => "bgr24",
        FramePixelFormat.I420 => "yuv420p",
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown pixel format."),
    };
}
