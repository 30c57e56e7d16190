// Copyright (c) PainStream contributors. Licensed under the MIT License.

namespace PainStream.Scoring.Tests.Onnx;

public sealed class FaceRegionLayoutTests
{
    [Fact]
    public void FromTemplate_RegionsLieWhereTheTemplateFeaturesAre()
    {
        var layout = Template112.Layout;
        var t = Template112.Template.Points;

        // Each region contains its own landmarks: a brow point, an eye centre, the nose tip's base, the lower lip.
        Assert.Equal(0, layout.RegionAt((int)t[19].X, (int)t[19].Y));
        Assert.Equal(1, layout.RegionAt((int)Template112.Template.RightEye.X, (int)Template112.Template.RightEye.Y));
        Assert.Equal(1, layout.RegionAt((int)Template112.Template.LeftEye.X, (int)Template112.Template.LeftEye.Y));
        Assert.Equal(2, layout.RegionAt((int)t[33].X, (int)t[33].Y));
        Assert.Equal(2, layout.RegionAt((int)t[27].X, (int)t[27].Y + 2)); // the nose bridge between the eyes
        Assert.Equal(3, layout.RegionAt((int)t[57].X, (int)t[57].Y));

        // Background and the chin are in no region.
        Assert.Equal(255, layout.RegionAt(2, 2));
        Assert.Equal(255, layout.RegionAt((int)t[8].X, (int)t[8].Y));
    }

    [Fact]
    public void Summarise_EvidenceOnTheMouth_IsAllMouth_AndNegativeEvidenceIsIgnored()
    {
        var grid = Template112.Layout.ForGrid(14, 14);
        var t = Template112.Template.Points;
        var cam = new float[14 * 14];
        var mouthCell = ((int)(t[57].Y * 14 / 112) * 14) + (int)(t[57].X * 14 / 112);
        cam[mouthCell] = 3;
        cam[0] = -5; // background, and negative

        var shares = grid.Summarise(cam)!.Value;

        Assert.Equal(1, shares.Mouth, 1e-6);
        Assert.Equal(0, shares.Brow + shares.Eyes + shares.NoseUpperLip, 1e-6);
        Assert.Null(grid.Summarise(new float[14 * 14]));
    }

    [Fact]
    public void Summarise_UniformEvidence_SharesFollowTheRegionAreas_AndSumToOne()
    {
        var grid = Template112.Layout.ForGrid(7, 7);
        var cam = Enumerable.Repeat(1f, 49).ToArray();

        var s = grid.Summarise(cam)!.Value;

        Assert.Equal(1, s.Brow + s.Eyes + s.NoseUpperLip + s.Mouth, 1e-5);
        Assert.All([s.Brow, s.Eyes, s.NoseUpperLip, s.Mouth], v => Assert.InRange(v, 0.05, 0.6));
    }
}
