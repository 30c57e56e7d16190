// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Detection;
using PainStream.Core.Frames;
using PainStream.Core.Options;

namespace PainStream.Scoring.Tests;

public sealed class GeometricPatientScorerFactoryTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 4, 5, 6, 7, TimeSpan.Zero);
    private static readonly ScoringOptions Scoring = new() { BaselineMinSeconds = 1, BaselineSampleSeconds = 1 };

    [Fact]
    public void WithLimitsOf_TakesThePoseAndSizeLimitsOfFaceQuality()
    {
        var options = new GeometricPspiOptions().WithLimitsOf(new FaceQualityOptions { MaxYawDegrees = 40, MaxPitchDegrees = 25, MinInterOcularPixels = 12 });

        Assert.Equal((40f, 25f, 12f), (options.MaxYawDegrees, options.MaxPitchDegrees, options.MinInterOcularPixels));
        Assert.Equal(new GeometricPspiOptions().FullConfidenceInterOcularPixels, options.FullConfidenceInterOcularPixels);
    }

    [Fact]
    public async Task CreateAsync_FaceQualityLimits_ApplyToTheScorer_AndFollowAHotReload()
    {
        // A yaw between the default limit (30°) and a raised one: the quality gate, which reads FaceQuality, lets it through.
        var quality = new FaceQualityOptions { MaxYawDegrees = 30 };
        var factory = new GeometricPatientScorerFactory(new GeometricPspiScorer(), Scoring, store: null, quality: () => quality);
        var scorer = await factory.CreateAsync(new CameraId("ward3"), "bed-1", TestContext.Current.CancellationToken);
        var face = RealFaces.Astronaut;
        Assert.True(scorer.Score(Face(face, yaw: 0), T0, learnBaseline: true).IsScorable);
        var turned = Face(face, yaw: 35);

        Assert.Equal(GeometricPspiScorer.TurnedAwayReason, scorer.Score(turned, T0.AddSeconds(1), learnBaseline: false).CannotScoreReason);

        quality = new FaceQualityOptions { MaxYawDegrees = 40 };
        Assert.True(scorer.Score(turned, T0.AddSeconds(2), learnBaseline: false).IsScorable);

        quality = new FaceQualityOptions { MaxYawDegrees = 40, MinInterOcularPixels = 500 };
        Assert.Equal(GeometricPspiScorer.TooSmallReason, scorer.Score(turned, T0.AddSeconds(3), learnBaseline: false).CannotScoreReason);
        Assert.Equal(500f, factory.CurrentScorer.Options.MinInterOcularPixels);
    }

    [Fact]
    public void CurrentScorer_SameSettings_SameInstance()
    {
        var quality = new FaceQualityOptions();
        var factory = new GeometricPatientScorerFactory(new GeometricPspiScorer(), Scoring, quality: () => quality);

        Assert.Same(factory.CurrentScorer, factory.CurrentScorer);
    }

    private static FaceAnalysis Face(PointF[] landmarks, float yaw) =>
        new(new BoxF(181, 82, 90, 95), 0.9f, landmarks, new FacePose(yaw, 0, 0), QualityIssue: null);
}
