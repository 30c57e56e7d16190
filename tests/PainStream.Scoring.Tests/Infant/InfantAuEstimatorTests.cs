// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Detection;

namespace PainStream.Scoring.Tests.Infant;

public sealed class InfantAuEstimatorTests
{
    [Fact]
    public void Estimate_NeutralFace_GivesZeroForEveryAu()
    {
        var aus = Estimate(RealFaces.Astronaut);

        Assert.Equal(new InfantAus(0, 0, 0, 0, 0, 0, 0), aus);
    }

    [Fact]
    public void Estimate_LipsSlightlyApart_RaisesAu25Only()
    {
        var aus = Estimate(InfantFaces.OpenMouth(RealFaces.Astronaut, 0.10f));

        Assert.InRange(aus.Au25, 2.5f, 5f);
        Assert.Equal(0f, aus.Au27);
        Assert.Equal(0f, aus.Au12);
        Assert.Equal(0f, aus.Au20);
    }

    [Fact]
    public void Estimate_MouthWideOpen_RaisesAu27AndSaturatesAu25()
    {
        var slightly = Estimate(InfantFaces.OpenMouth(RealFaces.Astronaut, 0.35f));
        var wide = Estimate(InfantFaces.OpenMouth(RealFaces.Astronaut, 0.55f));

        Assert.Equal(5f, wide.Au25);
        Assert.True(wide.Au27 > 1, $"AU27 {wide.Au27}");
        Assert.True(wide.Au27 > slightly.Au27, $"AU27 {slightly.Au27} → {wide.Au27}");
    }

    [Fact]
    public void Estimate_CornersRaisedAndMouthWidened_RaisesAu12NotAu20()
    {
        var smile = InfantFaces.RaiseCorners(InfantFaces.StretchCorners(RealFaces.Astronaut, 0.06f), 0.06f);

        var aus = Estimate(smile);

        Assert.True(aus.Au12 > 1, $"AU12 {aus.Au12}");
        Assert.Equal(0f, aus.Au20);
        Assert.Equal(0f, aus.Au25);
    }

    [Fact]
    public void Estimate_CornersPulledOutWithoutRising_RaisesAu20NotAu12()
    {
        var aus = Estimate(InfantFaces.StretchCorners(RealFaces.Astronaut, 0.10f));

        Assert.True(aus.Au20 > 1, $"AU20 {aus.Au20}");
        Assert.Equal(0f, aus.Au12);
    }

    [Fact]
    public void Estimate_CornersRaisedWithoutWidening_IsNoAu12()
    {
        // AU12 needs both signals: a lip raise that lifts the corners without widening the mouth is not a smile.
        var aus = Estimate(InfantFaces.RaiseCorners(RealFaces.Astronaut, 0.06f));

        Assert.Equal(0f, aus.Au12);
    }

    [Fact]
    public void Estimate_SharedProxies_FeedAu9AndAu10TheSameValueAndAu6TheAu67Value()
    {
        var face = Shapes.RaiseUpperLip(Shapes.NarrowEyes(RealFaces.Astronaut, 0.3f), 0.04f);
        var baseline = new NeutralBaseline(AuProxies.FromLandmarks(RealFaces.Astronaut));
        var geometric = new GeometricPspiScorer().Score(face, baseline, HeadPose.Frontal);

        var aus = InfantAuEstimator.Estimate(AuProxies.FromLandmarks(face), baseline, geometric);

        Assert.True(aus.Au9 > 0 && aus.Au6 > 0, aus.ToString());
        Assert.Equal(geometric.Au9Or10, aus.Au9);
        Assert.Equal(aus.Au9, aus.Au10);
        Assert.Equal(geometric.Au6Or7, aus.Au6);
    }

    [Fact]
    public void MouthProxies_AreInvariantToSimilarityTransforms()
    {
        var face = InfantFaces.OpenMouth(InfantFaces.StretchCorners(RealFaces.Astronaut, 0.08f), 0.2f);
        var a = AuProxies.FromLandmarks(face);
        var b = AuProxies.FromLandmarks(Shapes.Similarity(face, 1.7f, 35f, 40f, -12f));

        Assert.Equal(a.LipGap, b.LipGap, 1e-4f);
        Assert.Equal(a.MouthWidth, b.MouthWidth, 1e-4f);
        Assert.Equal(a.CornerToNose, b.CornerToNose, 1e-4f);
        Assert.True(a.HasMouth && a.CornerToNose > 0, a.ToString());
    }

    [Fact]
    public void BaselineLearner_TakesTheRestingMouth_LowPercentileOfLipGapAndWidth()
    {
        var learner = new BaselineLearner(new BaselineLearnerOptions { Capacity = 10, MinSamples = 10, NeutralPercentile = 0.75 });
        var neutral = AuProxies.FromLandmarks(RealFaces.Astronaut);
        for (var i = 0; i < 10; i++)
        {
            // Three of ten samples with the mouth open (feeding, a yawn): the resting mouth must still be the baseline.
            learner.Add(AuProxies.FromLandmarks(i < 3 ? InfantFaces.OpenMouth(RealFaces.Astronaut, 0.3f) : RealFaces.Astronaut));
        }

        Assert.True(learner.TryGetBaseline(out var baseline));
        Assert.Equal(neutral.LipGap, baseline.Neutral.LipGap, 1e-5f);
    }

    private static InfantAus Estimate(PointF[] face)
    {
        var baseline = new NeutralBaseline(AuProxies.FromLandmarks(RealFaces.Astronaut));
        var geometric = new GeometricPspiScorer().Score(face, baseline, HeadPose.Frontal);
        Assert.True(geometric.IsScorable, geometric.CannotScoreReason);
        Assert.True(InfantAuEstimator.HasMouth(baseline));
        var aus = InfantAuEstimator.Estimate(AuProxies.FromLandmarks(face), baseline, geometric);
        TestContext.Current.TestOutputHelper?.WriteLine(aus.ToString());
        return aus;
    }
}

/// <summary>Infant expressions made by moving the mouth landmarks of a real neutral face, in the face's own frame.</summary>
internal static class InfantFaces
{
    /// <summary>Drops the lower lip (55–59, 65–67) and the chin (5–11) by <paramref name="fractionOfIod"/>: the mouth opens.</summary>
    public static PointF[] OpenMouth(PointF[] neutral, float fractionOfIod)
    {
        var p = (PointF[])neutral.Clone();
        Shapes.MoveDown(p, fractionOfIod, 55, 56, 57, 58, 59, 65, 66, 67, 6, 7, 8, 9, 10);
        Shapes.MoveDown(p, fractionOfIod / 2, 5, 11);
        return p;
    }

    /// <summary>Lifts the lip corners (48, 54 outer; 60, 64 inner) by <paramref name="fractionOfIod"/>.</summary>
    public static PointF[] RaiseCorners(PointF[] neutral, float fractionOfIod)
    {
        var p = (PointF[])neutral.Clone();
        Shapes.MoveDown(p, -fractionOfIod, 48, 54, 60, 64);
        return p;
    }

    /// <summary>Pulls each lip corner outwards along the eye line by <paramref name="fractionOfIod"/>.</summary>
    public static PointF[] StretchCorners(PointF[] neutral, float fractionOfIod)
    {
        var p = (PointF[])neutral.Clone();
        var iod = Shapes.InterOcular(p);
        var ex = (p[45].X - p[36].X) / iod;
        var ey = (p[45].Y - p[36].Y) / iod;
        var step = fractionOfIod * iod;
        foreach (var (i, sign) in new[] { (48, -1f), (60, -1f), (54, 1f), (64, 1f) })
        {
            p[i] = new PointF(p[i].X + (sign * ex * step), p[i].Y + (sign * ey * step));
        }

        return p;
    }

    /// <summary>A crying infant: mouth wide open and stretched, eyes squeezed, upper lip raised.</summary>
    public static PointF[] Cry(PointF[] neutral) =>
        OpenMouth(StretchCorners(Shapes.RaiseUpperLip(Shapes.NarrowEyes(neutral, 0.4f), 0.03f), 0.08f), 0.45f);
}
