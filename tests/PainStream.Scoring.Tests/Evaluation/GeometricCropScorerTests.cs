// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Text.Json;
using PainStream.Tools.Evaluation;

namespace PainStream.Scoring.Tests.Evaluation;

public sealed class GeometricCropScorerTests
{
    [Theory]
    [InlineData(0.0)]
    [InlineData(1.3)]
    [InlineData(5.0)]
    [InlineData(15.9)]
    public void SoftAssign_AnyEstimate_SumsToOneAndPeaksNearTheEstimatesClass(double pspi)
    {
        foreach (var scheme in new[] { PainClassScheme.Gla4, PainClassScheme.Da5, PainClassScheme.Res7 })
        {
            var p = GeometricCropScorer.SoftAssign(scheme, pspi);

            Assert.Equal(1.0, p.Sum(), 1e-12);
            Assert.True(Math.Abs(Array.IndexOf(p, p.Max()) - scheme.ClassOf(pspi)) <= 1, $"{scheme.Name} at {pspi}: {string.Join(' ', p)}");
        }
    }

    [Fact]
    public void Score_NeutralCropAgainstItsOwnBaseline_IsClassZero()
    {
        var landmarks = RealFaces.Astronaut;
        var crop = new FaceCrop([], 112, landmarks, "s");
        var scorer = new GeometricCropScorer(PainClassScheme.Da5);

        Assert.Null(scorer.SetNeutral("s", [crop]));
        var score = scorer.Score([crop, crop with { Subject = "other" }]);

        Assert.Equal(0, score[0].Pspi);
        Assert.Equal(0, score[0].PredictedClass);
        Assert.Equal(GeometricPspiScorer.NoBaselineReason, score[1].CannotScoreReason);
    }

    [Fact]
    public void ToJson_NoScoredItems_WritesNullMetricsAndTheNoFaceList()
    {
        var metrics = EvaluationMetrics.Compute([], PainClassScheme.Gla4);
        var report = new EvaluationReport("/d", "geometric", PainClassScheme.Gla4, 1, metrics, [], [new UnscoredItem(2, "a.png", "s", "no face found")], [], 0.5, 2, ["note"]);

        using var json = JsonDocument.Parse(report.ToJson());
        var root = json.RootElement;

        Assert.Equal(JsonValueKind.Null, root.GetProperty("kappa_quadratic").ValueKind);
        Assert.Equal(JsonValueKind.Null, root.GetProperty("auc_macro").ValueKind);
        Assert.Equal(2.0, root.GetProperty("throughput").GetProperty("items_per_second").GetDouble());
        Assert.Equal("no face found", root.GetProperty("no_face").GetProperty("items")[0].GetProperty("reason").GetString());
        Assert.Contains("| accuracy | n/a |", report.ToMarkdown(), StringComparison.Ordinal);
    }
}
