// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Globalization;
using PainStream.Core.Detection;
using PainStream.Core.Alerting;

namespace PainStream.Scoring.Tests;

public sealed class GeometricPspiScorerTests
{
    private readonly GeometricPspiScorer _scorer = new();

    public static TheoryData<string> Faces => ["astronaut", "messi"];

    [Theory]
    [MemberData(nameof(Faces))]
    public void Score_NeutralAgainstItself_IsZero(string face)
    {
        var neutral = Landmarks(face);
        var estimate = _scorer.Score(neutral, Baseline(neutral), HeadPose.Frontal);

        Assert.True(estimate.IsScorable);
        Assert.Equal(0f, estimate.Pspi);
        Assert.Equal(0f, estimate.Au4);
        Assert.Equal(0f, estimate.Au6Or7);
        Assert.Equal(0f, estimate.Au9Or10);
        Assert.Equal(0f, estimate.Au43);
    }

    [Fact]
    public void Score_SmallJitterAroundNeutral_StaysBelowOne()
    {
        var neutral = RealFaces.Astronaut;
        var baseline = Baseline(neutral);
        var random = new Random(7);
        var jitter = 0.01f * Shapes.InterOcular(neutral); // ±1 % of the inter-ocular distance (≈ 0.6 px here)
        for (var trial = 0; trial < 50; trial++)
        {
            var p = neutral.Select(q => new PointF(q.X + (((random.NextSingle() * 2) - 1) * jitter), q.Y + (((random.NextSingle() * 2) - 1) * jitter))).ToArray();
            var estimate = _scorer.Score(p, baseline, HeadPose.Frontal);
            Assert.True(estimate.Pspi < 1, $"trial {trial}: PSPI {estimate.Pspi} from jitter alone");
        }
    }

    [Theory]
    [MemberData(nameof(Faces))]
    public void Score_EyesClosed_Au43IsOneAndNothingElseFires(string face)
    {
        var neutral = Landmarks(face);
        var estimate = _scorer.Score(Shapes.CloseEyes(neutral, 1f), Baseline(neutral), HeadPose.Frontal);

        Assert.Equal(1f, estimate.Au43);
        Assert.Equal(0f, estimate.Au6Or7); // a relaxed closure (sleep) is not orbital tightening
        Assert.Equal(0f, estimate.Au4); // the upper lid moved away from the brow
        Assert.Equal(0f, estimate.Au9Or10);
        Assert.Equal(1f, estimate.Pspi);
    }

    [Fact]
    public void Score_BlinkDepthClosure_Au43RampsWithClosure()
    {
        var neutral = RealFaces.Astronaut;
        var baseline = Baseline(neutral);
        Assert.Equal(0f, _scorer.Score(Shapes.CloseEyes(neutral, 0.3f), baseline).Au43);
        var previous = -1f;
        foreach (var t in new[] { 0.4f, 0.55f, 0.65f, 0.75f, 0.9f, 1f })
        {
            var au43 = _scorer.Score(Shapes.CloseEyes(neutral, t), baseline).Au43;
            Assert.True(au43 >= previous, $"closure {t}: AU43 {au43} < {previous}");
            previous = au43;
        }

        Assert.Equal(1f, previous);
    }

    [Theory]
    [MemberData(nameof(Faces))]
    public void Score_EyesNarrowed_Au67RisesMonotonicallyWithoutClosure(string face)
    {
        var neutral = Landmarks(face);
        var baseline = Baseline(neutral);
        var previous = 0f;
        foreach (var t in new[] { 0.15f, 0.25f, 0.35f, 0.45f })
        {
            var estimate = _scorer.Score(Shapes.NarrowEyes(neutral, t), baseline, HeadPose.Frontal);
            Assert.True(estimate.Au6Or7 > previous, $"narrowing {t}: AU6/7 {estimate.Au6Or7} not above {previous}");
            Assert.Equal(0f, estimate.Au4);
            previous = estimate.Au6Or7;
        }

        Assert.True(previous >= 3, $"45 % narrowing gives AU6/7 {previous}");
    }

    [Theory]
    [MemberData(nameof(Faces))]
    public void Score_BrowsLowered_Au4RisesMonotonically(string face)
    {
        var neutral = Landmarks(face);
        var baseline = Baseline(neutral);
        var previous = 0f;
        foreach (var d in new[] { 0.03f, 0.05f, 0.07f, 0.09f })
        {
            var estimate = _scorer.Score(Shapes.LowerBrows(neutral, d), baseline, HeadPose.Frontal);
            Log($"{face} brows down {d:P0} IOD: {estimate}");
            Assert.True(estimate.Au4 > previous, $"brows down {d}: AU4 {estimate.Au4} not above {previous}");
            Assert.Equal(0f, estimate.Au43);
            Assert.Equal(0f, estimate.Au9Or10);
            previous = estimate.Au4;
        }

        Assert.True(previous >= 2, $"brows down 9 % IOD gives AU4 {previous}");
    }

    [Theory]
    [MemberData(nameof(Faces))]
    public void Score_UpperLipRaised_Au910RisesMonotonically(string face)
    {
        var neutral = Landmarks(face);
        var baseline = Baseline(neutral);
        var previous = 0f;
        foreach (var d in new[] { 0.03f, 0.05f, 0.07f, 0.09f })
        {
            var estimate = _scorer.Score(Shapes.RaiseUpperLip(neutral, d), baseline, HeadPose.Frontal);
            Log($"{face} lip up {d:P0} IOD: {estimate}");
            // Non-decreasing: the smallest raise may sit in the dead band (0.5 px on messi5's 17-px inter-ocular distance).
            Assert.True(estimate.Au9Or10 >= previous, $"lip up {d}: AU9/10 {estimate.Au9Or10} below {previous}");
            Assert.True(d < 0.05f || estimate.Au9Or10 > 0, $"lip up {d}: AU9/10 still 0");
            Assert.Equal(0f, estimate.Au4);
            Assert.Equal(0f, estimate.Au6Or7);
            previous = estimate.Au9Or10;
        }

        Assert.True(previous >= 2, $"lip up 9 % IOD gives AU9/10 {previous}");
    }

    [Fact]
    public void Score_FullGrimace_IsTheSumOfItsParts()
    {
        var neutral = RealFaces.Astronaut;
        var grimace = Shapes.RaiseUpperLip(Shapes.LowerBrows(Shapes.NarrowEyes(neutral, 0.35f), 0.07f), 0.06f);
        var e = _scorer.Score(grimace, Baseline(neutral), HeadPose.Frontal);
        Log($"{e}");

        Assert.True(e.Au4 > 0 && e.Au6Or7 > 0 && e.Au9Or10 > 0, e.ToString());
        Assert.Equal(e.Au4 + e.Au6Or7 + e.Au9Or10 + e.Au43, e.Pspi, 1e-5f);
        Assert.True(e.Pspi > 4, e.ToString());
    }

    [Fact]
    public void Score_ExtremeDeformation_ClampsAtSixteen()
    {
        var neutral = RealFaces.Astronaut;
        var baseline = Baseline(neutral);

        // Every proxy collapsed to a tiny fraction of neutral: each AU saturates.
        var crushed = new NeutralBaseline(new AuProxies(0.01f, 0.001f, 0.001f, 0.001f, 0.001f, 0.001f, 60));
        var e = _scorer.Score(crushed.Neutral, baseline, HeadPose.Frontal);
        Assert.Equal(GeometricPspiScorer.MaxIntensity, e.Au4);
        Assert.Equal(GeometricPspiScorer.MaxIntensity, e.Au9Or10);
        Assert.Equal(1f, e.Au43);
        Assert.Equal(0f, e.Au6Or7); // suppressed by closure
        Assert.InRange(e.Pspi, 0, ScoreScales.MaxPspi);

        // A maximal squint (AU43 not reached: EAR drop capped below its start) with everything else saturated hits the ceiling.
        var b = baseline.Neutral;
        var squint = b with { EyeAspectRatio = b.EyeAspectRatio * 0.6f, LidAperture = 0.0001f, BrowToLid = 0.0001f, InnerBrowGap = 0.0001f, NoseToUpperLip = 0.0001f, NoseRootToLip = 0.0001f };
        var top = _scorer.Score(squint, baseline, HeadPose.Frontal);
        Assert.Equal(15f, top.Pspi);

        // Widening (negative changes) never goes below 0.
        var wide = b with { EyeAspectRatio = b.EyeAspectRatio * 3, LidAperture = b.LidAperture * 3, BrowToLid = b.BrowToLid * 3, InnerBrowGap = b.InnerBrowGap * 3, NoseToUpperLip = b.NoseToUpperLip * 3, NoseRootToLip = b.NoseRootToLip * 3 };
        Assert.Equal(0f, _scorer.Score(wide, baseline, HeadPose.Frontal).Pspi);
    }

    [Fact]
    public void Ramp_ClampsToItsRangeAndTheMaximaSumToSixteen()
    {
        Assert.Equal(16f, (3 * GeometricPspiScorer.MaxIntensity) + 1f);
        Assert.Equal(5f, GeometricPspiScorer.Ramp(10f, 0.1f, 0.5f, 5f));
        Assert.Equal(0f, GeometricPspiScorer.Ramp(-10f, 0.1f, 0.5f, 5f));
        Assert.Equal(2.5f, GeometricPspiScorer.Ramp(0.3f, 0.1f, 0.5f, 5f), 1e-5f);
        Assert.Equal(0f, GeometricPspiScorer.Ramp(float.NaN, 0.1f, 0.5f, 5f));
    }

    [Fact]
    public void Score_PoseAndSize_LowerTheConfidenceAndGate()
    {
        var neutral = RealFaces.Astronaut;
        var baseline = Baseline(neutral);

        var frontal = _scorer.Score(neutral, baseline, HeadPose.Frontal);
        var turned = _scorer.Score(neutral, baseline, new HeadPose(20, 10));
        var unknown = _scorer.Score(neutral, baseline);
        Assert.Equal(1f, frontal.Confidence);
        Assert.InRange(turned.Confidence, 0.01f, 0.99f);
        Assert.Equal(0.7f, unknown.Confidence, 1e-6f);

        var away = _scorer.Score(neutral, baseline, new HeadPose(35, 0));
        Assert.False(away.IsScorable);
        Assert.Equal(GeometricPspiScorer.TurnedAwayReason, away.CannotScoreReason);
        Assert.False(away.ToScoreSample().IsScorable);
        Assert.Equal(GeometricPspiScorer.TurnedAwayReason, _scorer.Score(neutral, baseline, new HeadPose(0, -25)).CannotScoreReason);

        // Same shape at a third of the size: scores the same, with less confidence; at a tenth, too small to score.
        var small = _scorer.Score(Shapes.Similarity(neutral, 1f / 3, 0, 0, 0), baseline, HeadPose.Frontal);
        Assert.True(small.IsScorable);
        Assert.Equal(0f, small.Pspi, 1e-4f);
        Assert.InRange(small.Confidence, 0.25f, 0.99f);
        Assert.Equal(GeometricPspiScorer.TooSmallReason, _scorer.Score(Shapes.Similarity(neutral, 0.1f, 0, 0, 0), baseline, HeadPose.Frontal).CannotScoreReason);
    }

    [Fact]
    public void Score_NoBaselineOrBadLandmarks_CannotScoreNeverZero()
    {
        var neutral = RealFaces.Astronaut;
        var none = _scorer.Score(neutral, default, HeadPose.Frontal);
        Assert.Equal(GeometricPspiScorer.NoBaselineReason, none.CannotScoreReason);
        Assert.True(float.IsNaN(none.Pspi));
        Assert.Equal(0f, none.Confidence);

        var bad = _scorer.Score(new PointF[68], Baseline(neutral), HeadPose.Frontal);
        Assert.Equal(GeometricPspiScorer.BadLandmarksReason, bad.CannotScoreReason);

        var sample = bad.ToScoreSample();
        Assert.False(sample.IsScorable);
        Assert.Equal(GeometricPspiScorer.BadLandmarksReason, sample.CannotScoreReason);

        var ok = _scorer.Score(neutral, Baseline(neutral), HeadPose.Frontal).ToScoreSample();
        Assert.True(ok.IsScorable);
        Assert.Equal(0, ok.Pspi);
        Assert.Equal(1, ok.Confidence);
    }

    private static PointF[] Landmarks(string face) => face == "messi" ? RealFaces.Messi : RealFaces.Astronaut;

    private static NeutralBaseline Baseline(PointF[] neutral) => new(AuProxies.FromLandmarks(neutral));

    private static void Log(FormattableString line) => TestContext.Current.TestOutputHelper?.WriteLine(line.ToString(CultureInfo.InvariantCulture));
}
