// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Detection;

namespace PainStream.Core.Tests.Detection;

/// <summary>The appearance signature's arithmetic: box means of the region, and the zero-mean normalised correlation.</summary>
public sealed class FaceSignatureTests
{
    [Fact]
    public void Compute_EachCellIsTheMeanGreyOfItsBox()
    {
        // 32x32 region: 2x2 pixels per cell. Pixel grey = 5 × its column (B = G = R: grey is exactly that value).
        const int Size = 40;
        var pixels = new byte[Size * Size * 3];
        for (var y = 0; y < Size; y++)
        {
            for (var x = 0; x < Size; x++)
            {
                pixels.AsSpan(((y * Size) + x) * 3, 3).Fill((byte)(x * 5));
            }
        }

        var signature = FaceSignature.Compute(new BgrImage(pixels, Size, Size, Size * 3), new PixelRect(4, 4, 32, 32));

        var cells = signature.Cells;
        Assert.Equal(FaceSignature.Length, cells.Length);
        for (var c = 0; c < FaceSignature.Side; c++)
        {
            // Columns 4 + 2c and 5 + 2c: grey 20 + 10c and 25 + 10c, mean 22.5 + 10c, rounded half up.
            var expected = (byte)(23 + (10 * c));
            Assert.Equal(expected, cells[c]);
            Assert.Equal(expected, cells[(15 * FaceSignature.Side) + c]);
        }
    }

    [Fact]
    public void Similarity_SamePicture_IsOneAndUnchangedByBrightnessAndContrast()
    {
        var a = Pattern(seed: 1, gain: 1, offset: 0);
        var brighter = Pattern(seed: 1, gain: 0.5f, offset: 90);

        Assert.Equal(1f, FaceSignature.Similarity(a, a), 1e-6f);
        Assert.Equal(1f, FaceSignature.Similarity(a, brighter), 0.01f);
    }

    [Fact]
    public void Similarity_UnrelatedPictures_IsNearZero_AndTheNegativeIsMinusOne()
    {
        var a = Pattern(seed: 1, gain: 1, offset: 0);
        var b = Pattern(seed: 2, gain: 1, offset: 0);
        var negative = FaceSignature.FromCells(a.Cells.ToArray().Select(v => (byte)(255 - v)).ToArray());

        Assert.InRange(FaceSignature.Similarity(a, b), -0.2f, 0.2f);
        Assert.Equal(-1f, FaceSignature.Similarity(a, negative), 1e-6f);
    }

    [Fact]
    public void Similarity_FlatPatch_IsZero()
    {
        var flat = FaceSignature.FromCells(Enumerable.Repeat((byte)0, FaceSignature.Length).ToArray());

        Assert.Equal(0f, FaceSignature.Similarity(Pattern(seed: 1, gain: 1, offset: 0), flat));
        Assert.Equal(0f, FaceSignature.Similarity(flat, flat));
    }

    [Fact]
    public void Similarity_EmptySignature_IsNaN()
    {
        Assert.True(default(FaceSignature).IsEmpty);
        Assert.True(default(FaceSignature).Cells.IsEmpty);
        Assert.True(float.IsNaN(FaceSignature.Similarity(default, Pattern(seed: 1, gain: 1, offset: 0))));
    }

    [Fact]
    public void Equality_ComparesCells()
    {
        Assert.Equal(Pattern(seed: 3, gain: 1, offset: 0), Pattern(seed: 3, gain: 1, offset: 0));
        Assert.NotEqual(Pattern(seed: 3, gain: 1, offset: 0), Pattern(seed: 4, gain: 1, offset: 0));
        Assert.NotEqual(default, Pattern(seed: 3, gain: 1, offset: 0));
    }

    [Fact]
    public void Compute_RegionTooSmallOrOutside_ThrowsNamingTheRegion()
    {
        var pixels = new byte[40 * 40 * 3];
        var image = new BgrImage(pixels, 40, 40, 120);

        Assert.Throws<ArgumentException>("region", () => FaceSignature.Compute(new BgrImage(pixels, 40, 40, 120), new PixelRect(0, 0, 15, 30)));
        Assert.Throws<ArgumentException>("region", () => FaceSignature.Compute(new BgrImage(pixels, 40, 40, 120), new PixelRect(10, 10, 31, 20)));
        Assert.Equal(FaceSignature.Length, FaceSignature.Compute(image, new PixelRect(0, 0, 40, 40)).Cells.Length);
    }

    [Fact]
    public void FromCells_WrongLength_Throws() =>
        Assert.Throws<ArgumentException>("cells", () => FaceSignature.FromCells(new byte[10]));

    private static FaceSignature Pattern(int seed, float gain, float offset)
    {
        var random = new Random(seed);
        var cells = new byte[FaceSignature.Length];
        for (var i = 0; i < cells.Length; i++)
        {
            cells[i] = (byte)Math.Clamp(MathF.Round(offset + (gain * random.Next(0, 256))), 0, 255);
        }

        return FaceSignature.FromCells(cells);
    }
}
