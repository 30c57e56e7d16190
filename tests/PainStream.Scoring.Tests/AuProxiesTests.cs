// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Detection;

namespace PainStream.Scoring.Tests;

public sealed class AuProxiesTests
{
    [Fact]
    public void FromLandmarks_Astronaut_HasPlausibleNeutralValues()
    {
        var p = AuProxies.FromLandmarks(RealFaces.Astronaut);
        TestContext.Current.TestOutputHelper?.WriteLine(p.ToString());

        Assert.True(p.IsValid);
        Assert.InRange(p.InterOcularPixels, 50, 80);
        Assert.InRange(p.EyeAspectRatio, 0.15f, 0.45f);
        Assert.InRange(p.LidAperture, 0.03f, 0.2f);
        Assert.InRange(p.BrowToLid, 0.1f, 0.6f);
        Assert.InRange(p.InnerBrowGap, 0.1f, 0.6f);
        Assert.InRange(p.NoseToUpperLip, 0.05f, 0.4f);
        Assert.InRange(p.NoseRootToLip, 0.4f, 1.2f);
    }

    [Theory]
    [InlineData(1f, 0f, 0f, 0f)]
    [InlineData(2.5f, 0f, 100f, -40f)]
    [InlineData(0.3f, 0f, -17f, 3f)]
    [InlineData(1f, 30f, 0f, 0f)]
    [InlineData(1.7f, -45f, 250f, 80f)]
    [InlineData(0.8f, 180f, 10f, 10f)]
    public void FromLandmarks_SimilarityTransformOfTheWholeShape_LeavesEveryProxyUnchanged(float scale, float degrees, float tx, float ty)
    {
        var neutral = RealFaces.Astronaut;
        var a = AuProxies.FromLandmarks(neutral);
        var b = AuProxies.FromLandmarks(Shapes.Similarity(neutral, scale, degrees, tx, ty));

        for (var f = 0; f < AuProxies.FieldCount; f++)
        {
            if (f == AuProxies.InterOcularIndex)
            {
                continue;
            }

            Assert.Equal(a.Get(f), b.Get(f), 1e-4f * MathF.Max(1, MathF.Abs(a.Get(f))) * 10);
        }

        Assert.Equal(a.InterOcularPixels * scale, b.InterOcularPixels, a.InterOcularPixels * scale * 1e-4f);
    }

    [Fact]
    public void Score_SimilarityTransformedGrimace_ScoresTheSameAsTheUntransformedOne()
    {
        var neutral = RealFaces.Astronaut;
        var grimace = Shapes.RaiseUpperLip(Shapes.LowerBrows(Shapes.NarrowEyes(neutral, 0.3f), 0.06f), 0.04f);
        var scorer = new GeometricPspiScorer();
        var baseline = new NeutralBaseline(AuProxies.FromLandmarks(neutral));
        var expected = scorer.Score(grimace, baseline, HeadPose.Frontal);

        var moved = scorer.Score(Shapes.Similarity(grimace, 1.9f, 25f, -60f, 35f), baseline, HeadPose.Frontal);

        Assert.True(expected.Pspi > 1, $"grimace PSPI {expected.Pspi}");
        Assert.Equal(expected.Pspi, moved.Pspi, 0.01f);
        Assert.Equal(expected.Au4, moved.Au4, 0.01f);
        Assert.Equal(expected.Au6Or7, moved.Au6Or7, 0.01f);
        Assert.Equal(expected.Au9Or10, moved.Au9Or10, 0.01f);
    }

    [Fact]
    public void TryFromLandmarks_TooFewOrDegeneratePoints_ReturnsFalseAndFromLandmarksThrows()
    {
        Assert.False(AuProxies.TryFromLandmarks(new PointF[67], out _));
        Assert.False(AuProxies.TryFromLandmarks(new PointF[68], out _)); // all at the origin: zero inter-ocular distance
        var nan = RealFaces.Astronaut;
        nan[51] = new PointF(float.NaN, 1);
        Assert.False(AuProxies.TryFromLandmarks(nan, out _));
        Assert.Throws<ArgumentException>(() => AuProxies.FromLandmarks(new PointF[10]));
        Assert.Throws<ArgumentException>(() => AuProxies.FromLandmarks(new PointF[68]));
    }

    [Fact]
    public void FromValues_RoundTripsThroughGet()
    {
        var p = AuProxies.FromLandmarks(RealFaces.Astronaut);
        Span<float> values = stackalloc float[AuProxies.FieldCount];
        for (var f = 0; f < values.Length; f++)
        {
            values[f] = p.Get(f);
        }

        Assert.Equal(p, AuProxies.FromValues(values));
        Assert.Throws<ArgumentOutOfRangeException>(() => p.Get(AuProxies.FieldCount));
    }

    [Fact]
    public void FromLandmarksAndScore_DoNotAllocate()
    {
        var landmarks = RealFaces.Astronaut;
        var scorer = new GeometricPspiScorer();
        var baseline = new NeutralBaseline(AuProxies.FromLandmarks(landmarks));
        var pose = new HeadPose(5, 3);
        float sink = 0;
        sink += scorer.Score(landmarks, baseline, pose).Pspi; // warm-up (JIT)

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            sink += scorer.Score(landmarks, baseline, pose).Pspi;
            sink += scorer.Score(landmarks, baseline).Confidence;
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.True(float.IsFinite(sink));
    }
}
