// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Alerting;
using PainStream.Core.Cameras;
using PainStream.Core.Detection;
using PainStream.Core.Frames;
using PainStream.Core.Options;

namespace PainStream.Core.Tests.Cameras;

public sealed class AnalysisTilesTests
{
    private static readonly CameraId Cam = new("w3");

    [Fact]
    public void Split_FrameAnalysis_IsOneTile_TheRegionOrTheWholeFrame()
    {
        var tiles = new List<PixelRect>();

        AnalysisTiles.Split(FourBeds(AnalysisMode.Frame, region: null), 640, 360, tiles);
        Assert.Equal([new PixelRect(0, 0, 640, 360)], tiles);

        AnalysisTiles.Split(FourBeds(AnalysisMode.Frame, new NormalizedRegion(0.25, 0, 0.5, 1)), 640, 360, tiles);
        Assert.Equal([new PixelRect(160, 0, 320, 360)], tiles);
    }

    [Fact]
    public void Split_BedsAnalysis_IsOneTilePerBed_AtTheBedsResolution()
    {
        var tiles = new List<PixelRect>();

        AnalysisTiles.Split(FourBeds(AnalysisMode.Beds, region: null), 1920, 1080, tiles);

        Assert.Equal(
            [new PixelRect(0, 0, 960, 540), new PixelRect(960, 0, 960, 540), new PixelRect(0, 540, 960, 540), new PixelRect(960, 540, 960, 540)],
            tiles);
    }

    [Fact]
    public void Split_BedsAnalysisWithARegion_ClipsEachBedToIt_AndLeavesOutBedsOutsideIt()
    {
        var tiles = new List<PixelRect>();

        // The region covers the left half and the top 3/4: b1 whole, b3 cut at the bottom, b2 and b4 outside.
        AnalysisTiles.Split(FourBeds(AnalysisMode.Beds, new NormalizedRegion(0, 0, 0.5, 0.75)), 1920, 1080, tiles);

        Assert.Equal([new PixelRect(0, 0, 960, 540), new PixelRect(0, 540, 960, 270)], tiles);
    }

    [Fact]
    public void ToFrame_ShiftsBoxAndKeypointsByTheTileOrigin_KeepingSizeAndScore()
    {
        var face = new DetectedFace(new BoxF(10, 20, 30, 40), 0.8f, [new PointF(15, 25), new PointF(35, 26)]);

        var mapped = AnalysisTiles.ToFrame(face, new PixelRect(960, 540, 960, 540));

        Assert.Equal(new BoxF(970, 560, 30, 40), mapped.Box);
        Assert.Equal([new PointF(975, 565), new PointF(995, 566)], mapped.Keypoints);
        Assert.Equal(0.8f, mapped.Score);
        Assert.Same(face, AnalysisTiles.ToFrame(face, new PixelRect(0, 0, 100, 100)));
    }

    [Fact]
    public void ToFrame_FacesOfEveryTile_FallInTheirOwnBed()
    {
        var camera = FourBeds(AnalysisMode.Beds, region: null);
        var tiles = new List<PixelRect>();
        AnalysisTiles.Split(camera, 1920, 1080, tiles);

        for (var i = 0; i < tiles.Count; i++)
        {
            // A face near the tile's top-left corner: in tile coordinates it would fall in b1 for every tile.
            var mapped = AnalysisTiles.ToFrame(new DetectedFace(new BoxF(5, 5, 20, 20), 1, []), tiles[i]);

            var bed = Assert.Single(camera.Beds, b => b.Contains(mapped.Box.Center, 1920, 1080));
            Assert.Equal(camera.Beds[i].Name, bed.Name);
        }
    }

    [Theory]
    [InlineData(640, 360, 14.4)]
    [InlineData(1920, 1080, 43.2)]
    public void ExpectedInterOcularPixels_IsTheBedLengthShare_OfTheRegionsLongerSide(int width, int height, double expected)
    {
        var quadrant = new NormalizedRegion(0, 0, 0.5, 0.5);

        Assert.Equal(expected, AnalysisTiles.ExpectedInterOcularPixels(quadrant, width, height), 6);
    }

    [Fact]
    public void Resolve_BedsAnalysis_DecodesAtTheBedsSize_FrameAtTheCaptureSize()
    {
        var capture = new CaptureOptions();
        var cameras = new CamerasOptions
        {
            ["wide"] = new CameraOptions { Url = "lavfi:testsrc", Analysis = AnalysisMode.Beds },
            ["single"] = new CameraOptions { Url = "lavfi:testsrc" },
        };

        var resolved = CameraOptionsResolver.Resolve(cameras, capture, new DemoOptions(), "/");

        var wide = resolved[new CameraId("wide")];
        Assert.Equal((AnalysisMode.Beds, 1920, 1080), (wide.Analysis, wide.Width, wide.Height));
        var single = resolved[new CameraId("single")];
        Assert.Equal((AnalysisMode.Frame, 640, 360), (single.Analysis, single.Width, single.Height));
    }

    private static CameraSettings FourBeds(AnalysisMode mode, NormalizedRegion? region) =>
        new(Cam, "lavfi:x", true, 5, 1920, 1080, region)
        {
            Analysis = mode,
            Beds =
            [
                new BedSettings("b1", new NormalizedRegion(0, 0, 0.5, 0.5), AlertPolicy.Default),
                new BedSettings("b2", new NormalizedRegion(0.5, 0, 0.5, 0.5), AlertPolicy.Default),
                new BedSettings("b3", new NormalizedRegion(0, 0.5, 0.5, 0.5), AlertPolicy.Default),
                new BedSettings("b4", new NormalizedRegion(0.5, 0.5, 0.5, 0.5), AlertPolicy.Default),
            ],
        };
}
