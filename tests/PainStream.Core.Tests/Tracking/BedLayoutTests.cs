// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Cameras;
using PainStream.Core.Detection;
using PainStream.Core.Options;
using PainStream.Core.Tracking;

namespace PainStream.Core.Tests.Tracking;

public sealed class BedLayoutTests
{
    [Fact]
    public void Validate_NoBeds_NoProblems()
    {
        Assert.Empty(CameraBeds.Validate("cam", new CameraOptions { Url = "x" }));
        Assert.Empty(CameraBeds.Validate("cam", new CameraOptions { Url = "x", Beds = [] }));
    }

    [Fact]
    public void Validate_GoodBeds_NoProblems()
    {
        var camera = new CameraOptions
        {
            Url = "x",
            Region = new RegionOptions { X = 0.1, Y = 0, Width = 0.8, Height = 1 },
            Beds = new()
            {
                ["bed-1"] = new BedOptions { X = 0, Y = 0.2, Width = 0.5, Height = 0.8 },
                ["bed_2"] = new BedOptions { X = 0.5, Y = 0.2, Width = 0.5, Height = 0.8 }, // shares an edge: fine
            },
        };

        Assert.Empty(CameraBeds.Validate("ward3", camera));
        var layout = CameraBeds.ToLayout(camera);
        Assert.Equal(["bed-1", "bed_2"], layout.Names);
    }

    [Fact]
    public void Validate_BadNameOverlapPastFrameOutsideRegionAndNoRegion_NamesEachBed()
    {
        var camera = new CameraOptions
        {
            Url = "x",
            Region = new RegionOptions { X = 0, Y = 0, Width = 0.5, Height = 0.5 },
            Beds = new()
            {
                ["Bed 1"] = new BedOptions { X = 0, Y = 0, Width = 0.3, Height = 0.3 },
                ["a"] = new BedOptions { X = 0.2, Y = 0.2, Width = 0.3, Height = 0.3 },
                ["far"] = new BedOptions { X = 0.7, Y = 0.7, Width = 0.3, Height = 0.3 },
                ["wide"] = new BedOptions { X = 0.8, Y = 0, Width = 0.5, Height = 0.1 },
                ["empty"] = null!,
                ["tiny"] = new BedOptions { X = 0.6, Y = 0.6, Width = 0, Height = double.NaN },
            },
        };

        var problems = CameraBeds.Validate("ward3", camera);

        Assert.Contains(problems, p => p.StartsWith("Cameras:ward3:Beds:Bed 1: bed name must match", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Cameras:ward3:Beds:a: overlaps bed 'Bed 1'", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Cameras:ward3:Beds:far: lies outside the camera's Region", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Cameras:ward3:Beds:wide: the bed reaches past the frame", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Cameras:ward3:Beds:empty: the bed has no region", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Cameras:ward3:Beds:tiny: X and Y must be 0–1", StringComparison.Ordinal));
        Assert.Equal(6, problems.Count);
        Assert.Throws<ArgumentException>(() => CameraBeds.ToLayout(camera));
    }

    [Fact]
    public void Constructor_OverlapOrNoBed_Throws()
    {
        Assert.Throws<ArgumentException>(() => new BedLayout([]));
        Assert.Throws<ArgumentException>(() => new BedLayout(
        [
            new("a", new NormalizedRegion(0, 0, 0.6, 1)),
            new("b", new NormalizedRegion(0.5, 0, 0.5, 1)),
        ]));
    }

    [Fact]
    public void FindBed_CentreInsideOnEdgeAndOutside()
    {
        var layout = new BedLayout(
        [
            new("right", new NormalizedRegion(0.5, 0, 0.5, 1)),
            new("left", new NormalizedRegion(0, 0, 0.5, 1)),
        ]);

        Assert.Equal(["left", "right"], layout.Names); // ordinal name order
        Assert.Equal(0, layout.FindBed(new PointF(100, 100), 640, 480));
        Assert.Equal(1, layout.FindBed(new PointF(500, 100), 640, 480));
        Assert.Equal(0, layout.FindBed(new PointF(320, 100), 640, 480)); // shared edge: the first in name order
        Assert.Equal(-1, layout.FindBed(new PointF(700, 100), 640, 480));
        Assert.Equal(1, layout.IndexOf("right"));
        Assert.Equal(-1, layout.IndexOf("nope"));
    }
}
