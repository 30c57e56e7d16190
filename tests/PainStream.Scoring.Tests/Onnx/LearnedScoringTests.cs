// Copyright (c) PainStream contributors. Licensed under the MIT License.

using Microsoft.Extensions.Logging.Abstractions;
using PainStream.Core.Detection;
using PainStream.Core.Frames;
using PainStream.Core.Scoring;
using PainStream.Scoring.Onnx;
using PainStream.Testing;

namespace PainStream.Scoring.Tests.Onnx;

/// <summary>The CNN patient scorer, the per-camera routing and the start-up load of the configured models.</summary>
public sealed class LearnedScoringTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 4, 5, 6, 7, TimeSpan.Zero);
    private static readonly CameraId Cnn = new("icu-1");
    private static readonly CameraId Geo = new("icu-2");
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Score_CompletedCropScore_IsTheSameSampleTypeAsTheGeometricScorer()
    {
        var scorer = new OnnxPatientScorer("onnx:tiny");
        var regions = new FaceRegionShares(0.4f, 0.3f, 0.2f, 0.1f);
        var face = Face(PendingCropScore.FromResult(new CropScore(6.5f, 0.7f, 3, regions)));

        var sample = scorer.Score(face, T0, learnBaseline: true);

        Assert.True(scorer.IsReady);
        Assert.Equal((6.5, 0.7), (sample.Pspi, Math.Round(sample.Confidence, 3)));
        Assert.Null(scorer.Explain());
        var explained = scorer.ExplainRegions()!;
        Assert.Equal(["brow", "eyes", "nose_upper_lip", "mouth"], explained.Keys);
        Assert.Equal(0.4, explained["brow"], 1e-6);
    }

    [Fact]
    public void Score_UnscorableFaces_SayWhy()
    {
        var scorer = new OnnxPatientScorer("onnx:tiny");

        Assert.Equal("image blurred", scorer.Score(Face(null) with { QualityIssue = "image blurred" }, T0, true).CannotScoreReason);
        Assert.Equal(OnnxPatientScorer.NoCropScoreReason, scorer.Score(Face(null), T0, true).CannotScoreReason);
        Assert.Equal("model failed: boom", scorer.Score(Face(PendingCropScore.FromResult(CropScore.CannotScore("model failed: boom"))), T0, true).CannotScoreReason);
        Assert.Equal(PendingCropScore.PendingReason, scorer.Score(Face(new PendingCropScore()), T0, true).CannotScoreReason);
        Assert.Null(scorer.ExplainRegions());

        var unloaded = new OnnxPatientScorer("onnx:gone", "model 'gone' is not loaded");
        Assert.False(unloaded.IsReady);
        Assert.Equal("model 'gone' is not loaded", unloaded.Score(Face(PendingCropScore.FromResult(new CropScore(1, 1, 0, null))), T0, true).CannotScoreReason);
    }

    [Fact]
    public async Task ResetBaseline_IsAcceptedAndChangesNothing()
    {
        var scorer = new OnnxPatientScorer("onnx:tiny");
        var face = Face(PendingCropScore.FromResult(new CropScore(4, 0.9f, 3, null)));
        var before = scorer.Score(face, T0, true);

        await scorer.ResetBaselineAsync(TestContext.Current.CancellationToken);
        await scorer.SaveAsync(TestContext.Current.CancellationToken);

        Assert.True(scorer.IsReady);
        Assert.Equal(before, scorer.Score(face, T0.AddSeconds(1), false));
    }

    [Fact]
    public async Task ScorerSelector_RoutesEachCameraToItsScorer()
    {
        var settings = new Dictionary<CameraId, string> { [Cnn] = "onnx:tiny", [Geo] = "geometric", [new("icu-3")] = "onnx:gone" };
        var selector = new ScorerSelector(new ScriptedScorerFactory(), c => settings.GetValueOrDefault(c), new HashSet<string> { "tiny" });
        var ct = TestContext.Current.CancellationToken;

        Assert.Equal("onnx:tiny", (await selector.CreateAsync(Cnn, "bed", ct)).Name);
        Assert.Equal("scripted", (await selector.CreateAsync(Geo, "bed", ct)).Name);
        Assert.Equal("scripted", (await selector.CreateAsync(new CameraId("unknown"), "bed", ct)).Name);
        var gone = await selector.CreateAsync(new CameraId("icu-3"), "bed", ct);
        Assert.False(gone.IsReady);
    }

    [Fact]
    public async Task LearnedScorers_SendOnlyTheirCamerasCropsToTheModel()
    {
        var settings = new Dictionary<CameraId, string> { [Cnn] = "onnx:tiny", [Geo] = "geometric" };
        var path = new TinyPainModel().Write(_dir.Path);
        using var learned = LearnedScorers.Load(
            new Dictionary<string, string> { ["tiny"] = path },
            new OnnxBatchOptions { MaxWait = TimeSpan.FromMilliseconds(2) },
            Template112.Layout,
            null,
            NullLogger.Instance,
            c => settings.GetValueOrDefault(c));
        using var stop = new CancellationTokenSource();
        var loop = learned.RunAsync(stop.Token);

        Assert.True(learned.Scores(Cnn));
        Assert.False(learned.Scores(Geo));
        var pending = learned.Submit(Cnn, OnnxTestModels.View(OnnxTestModels.Crop(4)));
        await pending.Completion.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        Assert.True(pending.Result.IsScorable);
        Assert.NotNull(pending.Result.Regions);
        Assert.Equal(OnnxPatientScorer.NoCropScoreReason, learned.Submit(Geo, OnnxTestModels.View(OnnxTestModels.Crop(4))).Result.CannotScoreReason);

        await stop.CancelAsync();
        await loop.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
    }

    [Fact]
    public void LearnedScorers_CorruptModel_FailsNamingThePath()
    {
        var good = new TinyPainModel().Write(_dir.Path, "a-good");
        var bad = new TinyPainModel().Write(_dir.Path, "b-bad");
        File.WriteAllBytes(bad, File.ReadAllBytes(bad)[..100]);

        var ex = Assert.Throws<ModelContractException>(() => LearnedScorers.Load(
            new Dictionary<string, string> { ["good"] = good, ["bad"] = bad },
            new OnnxBatchOptions(),
            null,
            null,
            NullLogger.Instance,
            _ => null));

        Assert.Contains(bad, ex.Message, StringComparison.Ordinal);
        Assert.Contains("sha256: expected", ex.Message, StringComparison.Ordinal);
    }

    private static FaceAnalysis Face(PendingCropScore? crop) =>
        new(new BoxF(0, 0, 100, 100), 0.9f, new PointF[68], new FacePose(0, 0, 0), null) { CropScore = crop };
}
