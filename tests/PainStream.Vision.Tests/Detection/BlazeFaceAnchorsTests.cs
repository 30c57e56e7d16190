// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Vision.Detection;

namespace PainStream.Vision.Tests.Detection;

public sealed class BlazeFaceAnchorsTests
{
    [Fact]
    public void Generate_FrontModel_Has896AnchorsIn16x16x2Then8x8x6()
    {
        var anchors = BlazeFaceModel.Front.GenerateAnchors();

        Assert.Equal(896, BlazeFaceModel.Front.AnchorCount);
        Assert.Equal(896 * 2, anchors.Length);

        // Layer group 1: stride 8 on 128 -> 16x16 cells, 2 anchors per cell, centres at (x + 0.5) / 16.
        Assert.Equal(1f / 32, anchors[0]);
        Assert.Equal(1f / 32, anchors[1]);
        Assert.Equal(1f / 32, anchors[2]);
        Assert.Equal(1f / 32, anchors[3]);
        Assert.Equal(3f / 32, anchors[4]);
        Assert.Equal(1f / 32, anchors[5]);
        Assert.Equal(1f / 32, anchors[(32 * 2) + 0]);
        Assert.Equal(3f / 32, anchors[(32 * 2) + 1]);

        // Layer group 2 starts at anchor 512: stride 16 -> 8x8 cells, 6 anchors per cell.
        Assert.Equal(1f / 16, anchors[512 * 2]);
        Assert.Equal(1f / 16, anchors[(512 * 2) + 1]);
        Assert.Equal(1f / 16, anchors[(517 * 2) + 1]);
        Assert.Equal(3f / 16, anchors[518 * 2]);
        Assert.Equal(15f / 16, anchors[^2]);
        Assert.Equal(15f / 16, anchors[^1]);
    }

    [Fact]
    public void Generate_BackModel_Has896AnchorsWithTheSameNormalisedCentres()
    {
        // Strides 16, 32, 32, 32 on a 256 input: 16x16x2 + 8x8x6, like the graph's [1,512,*] and [1,384,*] outputs.
        Assert.Equal(896, BlazeFaceModel.Back.AnchorCount);
        Assert.Equal(BlazeFaceModel.Front.GenerateAnchors(), BlazeFaceModel.Back.GenerateAnchors());
    }

    [Theory]
    [InlineData(128, new[] { 8, 16, 16, 16 }, 896)]
    [InlineData(256, new[] { 16, 32, 32, 32 }, 896)]
    [InlineData(192, new[] { 4 }, 48 * 48 * 2)]
    [InlineData(130, new[] { 8 }, 17 * 17 * 2)]
    public void Count_StridesAndInputSize_MatchesGeneratedLength(int inputSize, int[] strides, int expected)
    {
        Assert.Equal(expected, BlazeFaceAnchors.Count(inputSize, strides));
        Assert.Equal(expected * 2, BlazeFaceAnchors.Generate(inputSize, strides).Length);
    }
}
