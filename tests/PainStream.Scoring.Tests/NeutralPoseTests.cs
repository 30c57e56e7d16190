// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Detection;

namespace PainStream.Scoring.Tests;

/// <summary>Issue 12 item 1, second half: once a patient's baseline exists, the scorer judges the pose relative to the patient's neutral pose.</summary>
public sealed class NeutralPoseTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 4, 5, 6, 7, TimeSpan.Zero);

    [Fact]
    public void PatientWhoseNeutralFaceReadsPitched_IsScoredAsFrontal_ButAFurtherTurnIsStillPenalised()
    {
        // The astronaut's real landmarks with a pose of -15° pitch on every frame, as a camera above the bed would see.
        var scorer = NewScorer();
        var neutral = Face(new FacePose(2, -15, 0));
        for (var i = 0; i < 20; i++)
        {
            scorer.Score(neutral, T0.AddSeconds(i), learnBaseline: true);
        }

        Assert.Equal(new HeadPose(2, -15), scorer.NeutralPose);
        var atNeutral = scorer.Score(neutral, T0.AddSeconds(30), learnBaseline: false);
        var frontal = new GeometricPspiScorer().Score(RealFaces.Astronaut, new NeutralBaseline(AuProxies.FromLandmarks(RealFaces.Astronaut)), HeadPose.Frontal);
        var turnedFurther = scorer.Score(Face(new FacePose(26, -15, 0)), T0.AddSeconds(31), learnBaseline: false);

        // Absolute -15° pitch alone would cost 1 − (15/20)² = 0.44 of the confidence, below MinConfidence.
        Assert.True(atNeutral.IsScorable);
        Assert.Equal(frontal.Confidence, atNeutral.Confidence, 1e-3);
        Assert.True(turnedFurther.Confidence < 0.5, $"a 24° turn from neutral reads confidence {turnedFurther.Confidence}");
    }

    [Fact]
    public async Task BeforeEnoughNeutralPoses_OrAfterAReset_ThePoseIsAbsolute()
    {
        var scorer = NewScorer();
        var pitched = Face(new FacePose(0, -15, 0));
        for (var i = 0; i < GeometricPatientScorer.MinNeutralPoseSamples - 1; i++)
        {
            scorer.Score(pitched, T0.AddSeconds(i), learnBaseline: true);
        }

        Assert.Null(scorer.NeutralPose);
        Assert.True(scorer.Score(pitched, T0.AddSeconds(20), false).Confidence < 0.5);

        scorer.Score(pitched, T0.AddSeconds(21), true);
        Assert.NotNull(scorer.NeutralPose);

        await scorer.ResetBaselineAsync(TestContext.Current.CancellationToken);
        Assert.Null(scorer.NeutralPose);
    }

    private static GeometricPatientScorer NewScorer() =>
        new(new GeometricPspiScorer(), new BaselineLearner(new BaselineLearnerOptions { Capacity = 100, MinSamples = 5 }), new GeometricScoringOptions { BaselineSampleSeconds = 1 });

    private static FaceAnalysis Face(FacePose pose) => new(new BoxF(180, 80, 90, 95), 0.9f, RealFaces.Astronaut, pose, null);
}
