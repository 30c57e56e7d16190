// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Detection;
using PainStream.Core.Options;
using PainStream.Tools.Commands;
using PainStream.Scoring;
using PainStream.Testing;
using PainStream.Vision.Alignment;
using PainStream.Vision.Landmarks;

namespace PainStream.Tools.Tests;

public sealed class ScoreCommandTests
{
    // dlib's mean face at 200 px: a frontal face with about 60 px between the outer eye corners.
    private static readonly Lazy<PointF[]> MeanFace = new(() => FaceTemplate.FromModel(ShapePredictorModel.LoadFace68(TestPaths.Models), 200).Points.ToArray());

    [Fact]
    public void CreateScorer_UsesTheConfiguredFaceQualityLimits()
    {
        var scorer = ScoreCommand.CreateScorer(new FaceQualityOptions { MaxYawDegrees = 45, MaxPitchDegrees = 10, MinInterOcularPixels = 24 });

        Assert.Equal((45f, 10f, 24f), (scorer.Options.MaxYawDegrees, scorer.Options.MaxPitchDegrees, scorer.Options.MinInterOcularPixels));
    }

    [Fact]
    public void TryBaseline_FrontalFace_IsTheNeutralBaseline()
    {
        var baseline = ScoreCommand.TryBaseline(Face(yaw: 5), ScoreCommand.CreateScorer(new FaceQualityOptions()), out var problem);

        Assert.Null(problem);
        Assert.True(baseline?.IsValid);
    }

    [Theory]
    [InlineData("head turned away")]
    [InlineData("image blurred")]
    [InlineData("face too small")]
    public void TryBaseline_FaceTheQualityGateRefused_IsReportedNotUsed(string issue)
    {
        var baseline = ScoreCommand.TryBaseline(Face(yaw: 0) with { QualityIssue = issue }, ScoreCommand.CreateScorer(new FaceQualityOptions()), out var problem);

        Assert.Null(baseline);
        Assert.Equal(issue, problem);
    }

    [Fact]
    public void TryBaseline_BeyondTheScorersLimits_IsReportedNotUsed()
    {
        var scorer = ScoreCommand.CreateScorer(new FaceQualityOptions());

        Assert.Null(ScoreCommand.TryBaseline(Face(yaw: 50), scorer, out var turned));
        Assert.Equal(GeometricPspiScorer.TurnedAwayReason, turned);
        Assert.Null(ScoreCommand.TryBaseline(Face(yaw: 0), ScoreCommand.CreateScorer(new FaceQualityOptions { MinInterOcularPixels = 100 }), out var small));
        Assert.Equal(GeometricPspiScorer.TooSmallReason, small);
        Assert.Null(ScoreCommand.TryBaseline(Face(yaw: 0) with { Landmarks = new PointF[68] }, scorer, out var degenerate));
        Assert.Equal(GeometricPspiScorer.BadLandmarksReason, degenerate);
    }

    private static FaceAnalysis Face(float yaw) => new(new BoxF(0, 0, 200, 200), 0.9f, MeanFace.Value, new FacePose(yaw, 0, 0), QualityIssue: null);
}
