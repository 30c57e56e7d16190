// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Detection;
using PainStream.Vision.Detection;

namespace PainStream.Vision.Tests.Detection;

public sealed class LetterboxTests
{
    [Fact]
    public void Fit_LandscapeImage_PadsTopAndBottom()
    {
        var box = Letterbox.Fit(640, 360, 128);

        Assert.Equal(128, box.ResizedWidth);
        Assert.Equal(72, box.ResizedHeight);
        Assert.Equal(0, box.PadX);
        Assert.Equal(28, box.PadY);
    }

    [Fact]
    public void Fit_PortraitImage_PadsLeftAndRight()
    {
        var box = Letterbox.Fit(300, 600, 256);

        Assert.Equal(128, box.ResizedWidth);
        Assert.Equal(256, box.ResizedHeight);
        Assert.Equal(64, box.PadX);
        Assert.Equal(0, box.PadY);
    }

    [Theory]
    [InlineData(640, 360, 128)]
    [InlineData(548, 342, 256)]
    [InlineData(97, 311, 128)]
    [InlineData(512, 512, 128)]
    public void ToImage_AfterToNormalized_RoundTrips(int width, int height, int size)
    {
        var box = Letterbox.Fit(width, height, size);
        PointF[] points = [new(0, 0), new(width, height), new(width / 3f, height / 7f), new(width - 1.5f, 0.25f)];

        foreach (var p in points)
        {
            var n = box.ToNormalized(p);
            var back = box.ToImage(n.X, n.Y);
            Assert.Equal(p.X, back.X, 0.01f);
            Assert.Equal(p.Y, back.Y, 0.01f);
        }
    }

    [Fact]
    public void ToImage_CornersOfTheResizedArea_MapToImageCorners()
    {
        var box = Letterbox.Fit(640, 360, 128);

        var topLeft = box.ToImage(0, 28f / 128);
        var bottomRight = box.ToImage(1, 100f / 128);

        Assert.Equal(0, topLeft.X, 0.001f);
        Assert.Equal(0, topLeft.Y, 0.001f);
        Assert.Equal(640, bottomRight.X, 0.001f);
        Assert.Equal(360, bottomRight.Y, 0.001f);
    }
}
