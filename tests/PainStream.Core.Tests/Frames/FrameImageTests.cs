// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Detection;
using PainStream.Core.Frames;

namespace PainStream.Core.Tests.Frames;

/// <summary>Issue 14 item 3: a frame's plane views and grey view, in either pixel format.</summary>
public sealed class FrameImageTests
{
    private const int W = 8;
    private const int H = 6;

    [Fact]
    public void FromBuffer_I420_PlanesViewTheirBytes()
    {
        var data = I420Pattern(W, H);

        var image = FrameImage.FromBuffer(data, FramePixelFormat.I420, W, H);

        Assert.Equal(FramePixelFormat.I420, image.Format);
        Assert.Equal((W, H), (image.Width, image.Height));
        Assert.Equal((W, H, W), (image.Y.Width, image.Y.Height, image.Y.Stride));
        Assert.Equal((W / 2, H / 2, W / 2), (image.U.Width, image.U.Height, image.U.Stride));
        Assert.Equal((W / 2, H / 2, W / 2), (image.V.Width, image.V.Height, image.V.Stride));
        Assert.Equal(Luma(3, 2), image.Y.GetRow(2)[3]);
        Assert.Equal(ChromaU(1, 2), image.U.GetRow(2)[1]);
        Assert.Equal(ChromaV(3, 0), image.V.GetRow(0)[3]);
    }

    [Fact]
    public void Crop_I420OddOffset_StartsOnEvenPixelsAndChromaFollows()
    {
        var image = FrameImage.FromBuffer(I420Pattern(W, H), FramePixelFormat.I420, W, H);

        var rect = new PixelRect(3, 1, 3, 3);
        var origin = image.CropOrigin(rect);
        var crop = image.Crop(rect);

        // (3,1)-(6,4) widened to even edges: (2,0)-(6,4).
        Assert.Equal(new PixelRect(2, 0, 4, 4), origin);
        Assert.Equal((4, 4), (crop.Width, crop.Height));
        Assert.Equal(Luma(2, 0), crop.Y.GetRow(0)[0]);
        Assert.Equal(Luma(5, 3), crop.Y.GetRow(3)[3]);
        Assert.Equal((2, 2), (crop.U.Width, crop.U.Height));
        Assert.Equal(ChromaU(1, 0), crop.U.GetRow(0)[0]);
        Assert.Equal(ChromaV(2, 1), crop.V.GetRow(1)[1]);
    }

    [Fact]
    public void Crop_I420AtTheRightEdge_IsClampedToTheFrame()
    {
        var image = FrameImage.FromBuffer(I420Pattern(W, H), FramePixelFormat.I420, W, H);

        var origin = image.CropOrigin(new PixelRect(5, 3, 10, 10));

        Assert.Equal(new PixelRect(4, 2, 4, 4), origin);
        Assert.Equal((4, 4), (image.Crop(new PixelRect(5, 3, 10, 10)).Width, image.Crop(new PixelRect(5, 3, 10, 10)).Height));
    }

    [Fact]
    public void Crop_Bgr_IsTheBgrImagesCrop()
    {
        var data = new byte[W * H * 3];
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = (byte)i;
        }

        var image = FrameImage.FromBuffer(data, FramePixelFormat.Bgr24, W, H);
        var crop = image.Crop(new PixelRect(3, 1, 3, 3));

        Assert.Equal(FramePixelFormat.Bgr24, crop.Format);
        Assert.Equal(new PixelRect(3, 1, 3, 3), image.CropOrigin(new PixelRect(3, 1, 3, 3)));
        Assert.Equal(data[(1 * W * 3) + (3 * 3)], crop.Bgr.Data[0]);
    }

    [Fact]
    public void Views_OfTheOtherFormat_Throw()
    {
        var i420 = I420Pattern(W, H);
        var bgr = new byte[W * H * 3];

        Assert.Throws<InvalidOperationException>(() => FrameImage.FromBuffer(i420, FramePixelFormat.I420, W, H).Bgr.Width);
        Assert.Throws<InvalidOperationException>(() => FrameImage.FromBuffer(bgr, FramePixelFormat.Bgr24, W, H).Y.Width);
        Assert.Throws<ArgumentException>(() => FrameImage.FromBuffer(i420, FramePixelFormat.I420, W - 1, H));
        Assert.Throws<ArgumentException>(() => FrameImage.FromBuffer(i420.AsSpan(1), FramePixelFormat.I420, W, H));
    }

    [Fact]
    public void GrayImage_CropAndRows_ViewTheSameBytes()
    {
        var data = new byte[W * H];
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = (byte)i;
        }

        var grey = new GrayImage(data, W, H, W);
        var crop = grey.Crop(new PixelRect(2, 3, 4, 10));

        Assert.Equal((4, 3, W), (crop.Width, crop.Height, crop.Stride));
        Assert.Equal([26, 27, 28, 29], crop.GetRow(0).ToArray());
        Assert.Equal(data[(5 * W) + 2], crop.GetRow(2)[0]);
        Assert.Throws<ArgumentException>(() => new GrayImage(data.AsSpan(0, 10), W, H, W));
    }

    [Fact]
    public void FramePool_I420_RentsHalfTheBytesAndViewsPlanes()
    {
        var pool = new FramePool();
        using var frame = pool.Rent(new CameraId("c"), 640, 360, FramePixelFormat.I420);

        Assert.Equal(FramePixelFormat.I420, frame.Format);
        Assert.Equal(640 * 360 * 3 / 2, frame.Length);
        Assert.Equal(frame.Length, frame.Memory.Length);
        frame.Pixels[(640 * 360) + 5] = 77;
        Assert.Equal(77, FrameImage.Of(frame).U.Data[5]);
        Assert.Equal(640 * 360 * 3, pool.Rent(new CameraId("c"), 640, 360).Length);
        Assert.Throws<ArgumentException>(() => pool.Rent(new CameraId("c"), 641, 360, FramePixelFormat.I420));
    }

    [Fact]
    public void Frame_Disposed_ImageThrows()
    {
        var frame = new FramePool().Rent(new CameraId("c"), W, H, FramePixelFormat.I420);
        frame.Dispose();

        Assert.Throws<ObjectDisposedException>(() => FrameImage.Of(frame).Width);
    }

    [Theory]
    [InlineData(FramePixelFormat.Bgr24, "bgr24", 640 * 360 * 3)]
    [InlineData(FramePixelFormat.I420, "yuv420p", 640 * 360 * 3 / 2)]
    public void FramePixelFormats_NamesAndSizes(FramePixelFormat format, string ffmpeg, int bytes)
    {
        Assert.Equal(ffmpeg, FramePixelFormats.FfmpegName(format));
        Assert.Equal(bytes, FramePixelFormats.FrameBytes(format, 640, 360));
    }

    private static byte Luma(int x, int y) => (byte)((y * W) + x);

    private static byte ChromaU(int x, int y) => (byte)(100 + (y * (W / 2)) + x);

    private static byte ChromaV(int x, int y) => (byte)(200 + (y * (W / 2)) + x);

    private static byte[] I420Pattern(int width, int height)
    {
        var data = new byte[FramePixelFormats.FrameBytes(FramePixelFormat.I420, width, height)];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                data[(y * width) + x] = Luma(x, y);
            }
        }

        var luma = width * height;
        for (var y = 0; y < height / 2; y++)
        {
            for (var x = 0; x < width / 2; x++)
            {
                data[luma + (y * (width / 2)) + x] = ChromaU(x, y);
                data[luma + (luma / 4) + (y * (width / 2)) + x] = ChromaV(x, y);
            }
        }

        return data;
    }
}
