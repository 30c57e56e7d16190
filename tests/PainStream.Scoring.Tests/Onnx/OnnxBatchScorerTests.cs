// Copyright (c) PainStream contributors. Licensed under the MIT License.

using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using PainStream.Core.Diagnostics;
using PainStream.Scoring.Onnx;
using PainStream.Testing;

namespace PainStream.Scoring.Tests.Onnx;

public sealed class OnnxBatchScorerTests : IDisposable
{
    private static readonly OnnxBatchOptions NoWait = new() { MaxWait = TimeSpan.Zero };
    private readonly TempDirectory _dir = new();
    private readonly TinyPainModel _tiny = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task RunBatch_MatchesAHandWrittenForwardPass()
    {
        using var scorer = Create(out _, NoWait);
        var crops = Enumerable.Range(1, 3).Select(OnnxTestModels.Crop).ToArray();
        var pending = crops.Select(c => scorer.Submit(OnnxTestModels.View(c))).ToArray();

        Assert.Equal(3, await scorer.CollectAsync(TestContext.Current.CancellationToken));
        scorer.RunBatch(3);

        var layout = Template112.Layout.ForGrid(_tiny.FeatureSize, _tiny.FeatureSize);
        for (var i = 0; i < crops.Length; i++)
        {
            var (pspi, confidence, best, features, _) = TinyPainModel.Expected(_tiny, crops[i], 1.5, OnnxTestModels.Da5Values);
            var result = pending[i].Result;
            Assert.True(result.IsScorable, result.CannotScoreReason);
            Assert.Equal(pspi, result.Pspi, 1e-4);
            Assert.Equal(confidence, result.Confidence, 1e-4);
            Assert.Equal(best, result.PredictedClass);

            // CAM of the predicted class by hand: Σ_c W[k,c]·F[c], summarised over the same regions.
            var plane = _tiny.FeatureSize * _tiny.FeatureSize;
            var cam = new float[plane];
            for (var c = 0; c < _tiny.Channels; c++)
            {
                for (var p = 0; p < plane; p++)
                {
                    cam[p] += (float)(_tiny.FcWeights[(best * _tiny.Channels) + c] * features[(c * plane) + p]);
                }
            }

            var expected = layout.Summarise(cam);
            Assert.NotNull(result.Regions);
            var r = result.Regions.Value;
            Assert.Equal(1, r.Brow + r.Eyes + r.NoseUpperLip + r.Mouth, 1e-5);
            Assert.Equal(expected!.Value.Brow, r.Brow, 1e-4);
            Assert.Equal(expected.Value.Eyes, r.Eyes, 1e-4);
            Assert.Equal(expected.Value.NoseUpperLip, r.NoseUpperLip, 1e-4);
            Assert.Equal(expected.Value.Mouth, r.Mouth, 1e-4);
        }
    }

    [Fact]
    public void Batched_EqualsOneAtATime_Within1e5()
    {
        using var scorer = Create(out _, NoWait);
        var crops = Enumerable.Range(10, 16).Select(OnnxTestModels.Crop).ToArray();

        for (var i = 0; i < crops.Length; i++)
        {
            scorer.Prepare(i, OnnxTestModels.View(crops[i]));
        }

        scorer.Infer(crops.Length);
        var batched = Enumerable.Range(0, crops.Length).Select(scorer.Result).ToArray();
        for (var i = 0; i < crops.Length; i++)
        {
            scorer.Prepare(0, OnnxTestModels.View(crops[i]));
            scorer.Infer(1);
            var single = scorer.Result(0);
            Assert.Equal(single.Pspi, batched[i].Pspi, 1e-5);
            Assert.Equal(single.Confidence, batched[i].Confidence, 1e-5);
            Assert.Equal(single.PredictedClass, batched[i].PredictedClass);
            Assert.Equal(single.Regions!.Value.Brow, batched[i].Regions!.Value.Brow, 1e-5);
            Assert.Equal(single.Regions.Value.Mouth, batched[i].Regions!.Value.Mouth, 1e-5);
        }

        // The crops differ, so do the scores: the comparison above is not between constants.
        Assert.True(batched.Select(b => b.Pspi).Distinct().Count() > 8);
    }

    [Fact]
    public void Probabilities_AreUsedAsGiven()
    {
        var tiny = new TinyPainModel { Probabilities = true, WithCam = false };
        using var scorer = Create(out _, NoWait, tiny);
        var crop = OnnxTestModels.Crop(5);

        scorer.Prepare(0, OnnxTestModels.View(crop));
        scorer.Infer(1);
        var result = scorer.Result(0);

        var (pspi, confidence, _, _, _) = TinyPainModel.Expected(tiny, crop, 1, OnnxTestModels.Da5Values);
        Assert.Equal(pspi, result.Pspi, 1e-4);
        Assert.Equal(confidence, result.Confidence, 1e-4);
        Assert.Null(result.Regions);
    }

    [Fact]
    public async Task CollectAsync_FewFaces_WaitsMaxWaitOnTheClock()
    {
        using var scorer = Create(out var time, new OnnxBatchOptions { MaxWait = TimeSpan.FromMilliseconds(35) });
        scorer.Submit(OnnxTestModels.View(OnnxTestModels.Crop(1)));
        scorer.Submit(OnnxTestModels.View(OnnxTestModels.Crop(2)));

        var collect = scorer.CollectAsync(TestContext.Current.CancellationToken).AsTask();
        time.Advance(TimeSpan.FromMilliseconds(34));
        Assert.False(collect.IsCompleted);

        // A third face arriving during the wait joins the batch.
        scorer.Submit(OnnxTestModels.View(OnnxTestModels.Crop(3)));
        time.Advance(TimeSpan.FromMilliseconds(1));

        Assert.Equal(3, await collect.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task CollectAsync_FullBatch_DoesNotWait()
    {
        using var scorer = Create(out _, new OnnxBatchOptions { MaxBatchSize = 4, MaxWait = TimeSpan.FromHours(1) });
        for (var i = 0; i < 5; i++)
        {
            scorer.Submit(OnnxTestModels.View(OnnxTestModels.Crop(i)));
        }

        var collect = scorer.CollectAsync(TestContext.Current.CancellationToken);

        Assert.True(collect.IsCompleted);
        Assert.Equal(4, await collect);
        Assert.Equal(1, scorer.QueueDepth);
    }

    [Fact]
    public async Task RunBatch_SessionThrows_FacesCannotBeScored_AndTheNextBatchWorks()
    {
        using var scorer = Create(out _, NoWait);
        scorer.BeforeRun = n => throw new InvalidOperationException("boom");
        var failed = new[] { scorer.Submit(OnnxTestModels.View(OnnxTestModels.Crop(1))), scorer.Submit(OnnxTestModels.View(OnnxTestModels.Crop(2))) };
        scorer.RunBatch(await scorer.CollectAsync(TestContext.Current.CancellationToken));

        scorer.BeforeRun = null;
        var next = scorer.Submit(OnnxTestModels.View(OnnxTestModels.Crop(3)));
        scorer.RunBatch(await scorer.CollectAsync(TestContext.Current.CancellationToken));

        Assert.All(failed, p => Assert.Equal(OnnxBatchScorer.FailedReason + ": boom", p.Result.CannotScoreReason));
        Assert.True(next.Result.IsScorable);
    }

    [Fact]
    public async Task Metrics_RecordBatchesAndOutcomes_PerModel()
    {
        using var meters = new TestMeterFactory();
        using var sizes = new MetricCollector<int>(meters, PainStreamInstruments.MeterName, PainStreamInstruments.InferenceBatchSize);
        using var faces = new MetricCollector<long>(meters, PainStreamInstruments.MeterName, PainStreamInstruments.InferenceFaces);
        var model = OnnxModel.Load(OnnxTestModels.Write(_dir, _tiny));
        using var scorer = new OnnxBatchScorer(model, new OnnxBatchOptions { MaxWait = TimeSpan.Zero, QueueCapacity = 3 }, null, NullLogger.Instance)
        {
            Metrics = new OnnxScoringMetrics(meters),
        };
        for (var i = 0; i < 4; i++)
        {
            scorer.Submit(OnnxTestModels.View(OnnxTestModels.Crop(i)));
        }

        scorer.RunBatch(await scorer.CollectAsync(TestContext.Current.CancellationToken));

        Assert.Equal(3, Assert.Single(sizes.GetMeasurementSnapshot()).Value);
        var outcomes = faces.GetMeasurementSnapshot().GroupBy(m => (string)m.Tags["outcome"]!).ToDictionary(g => g.Key, g => g.Sum(m => m.Value));
        Assert.Equal(3, outcomes[OnnxScoringMetrics.Scored]);
        Assert.Equal(1, outcomes[OnnxScoringMetrics.Overloaded]);
        Assert.All(faces.GetMeasurementSnapshot(), m => Assert.Equal("tiny", m.Tags[PainStreamInstruments.ModelTag]));
    }

    [Fact]
    public void Submit_QueueFull_AnswersOverloadedAtOnce()
    {
        using var scorer = Create(out _, new OnnxBatchOptions { QueueCapacity = 2 });
        scorer.Submit(OnnxTestModels.View(OnnxTestModels.Crop(1)));
        scorer.Submit(OnnxTestModels.View(OnnxTestModels.Crop(2)));

        var third = scorer.Submit(OnnxTestModels.View(OnnxTestModels.Crop(3)));

        Assert.True(third.IsCompleted);
        Assert.Equal(OnnxBatchScorer.OverloadedReason, third.Result.CannotScoreReason);
    }

    [Fact]
    public async Task RunAsync_ScoresFacesFromTheLoop_AndAnswersQueuedFacesWhenStopped()
    {
        var model = OnnxModel.Load(OnnxTestModels.Write(_dir, _tiny));
        using var scorer = new OnnxBatchScorer(model, new OnnxBatchOptions { MaxWait = TimeSpan.FromMilliseconds(5) }, null, NullLogger.Instance);
        using var stop = new CancellationTokenSource();
        var loop = scorer.RunAsync(stop.Token);

        var first = scorer.Submit(OnnxTestModels.View(OnnxTestModels.Crop(1)));
        await first.Completion.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        Assert.True(first.Result.IsScorable);

        await stop.CancelAsync();
        await loop.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        var late = scorer.Submit(OnnxTestModels.View(OnnxTestModels.Crop(2)));
        Assert.Equal(OnnxBatchScorer.StoppedReason, late.Result.CannotScoreReason);
    }

    [Fact]
    public void Prepare_WritesTheContractTensor_WithoutAllocating()
    {
        using var scorer = Create(out _, NoWait);
        var crop = OnnxTestModels.Crop(9);
        var writer = new CropTensorWriter(scorer.Model.Manifest.Input!);
        var tensor = new float[writer.Length];
        writer.Write(OnnxTestModels.View(crop), tensor);
        Assert.Equal(TinyPainModel.Tensor(crop), tensor);

        // BGR models take the bytes in their own order.
        var bgr = new CropTensorWriter(scorer.Model.Manifest.Input! with { ColorOrder = "BGR", Scale = 1, Mean = [0, 0, 0], Std = [1, 1, 1] });
        bgr.Write(OnnxTestModels.View(crop), tensor);
        Assert.Equal(crop[0], tensor[0]);
        Assert.Equal(crop[2], tensor[2 * 112 * 112]);

        // Warm-up rounds: the first calls of a method, and the first pass through a hot loop (tiering, on-stack
        // replacement), may allocate while the runtime compiles; the steady state must not.
        long Round()
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 0; i < 100; i++)
            {
                writer.Write(OnnxTestModels.View(crop), tensor);
                scorer.Prepare(i % scorer.MaxBatchSize, OnnxTestModels.View(crop));
            }

            return GC.GetAllocatedBytesForCurrentThread() - before;
        }

        Round();
        Round();
        Assert.Equal(0, Round());
    }

    [Fact]
    public void PostProcessing_DoesNotAllocatePerFace()
    {
        using var scorer = Create(out _, NoWait);
        for (var i = 0; i < scorer.MaxBatchSize; i++)
        {
            scorer.Prepare(i, OnnxTestModels.View(OnnxTestModels.Crop(i)));
        }

        scorer.Infer(scorer.MaxBatchSize);
        _ = scorer.Result(0);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var sum = 0f;
        for (var i = 0; i < scorer.MaxBatchSize; i++)
        {
            sum += scorer.Result(i).Pspi;
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.True(sum > 0);
    }

    private OnnxBatchScorer Create(out FakeTimeProvider time, OnnxBatchOptions? options = null, TinyPainModel? tiny = null)
    {
        time = new FakeTimeProvider();
        var model = OnnxModel.Load(OnnxTestModels.Write(_dir, tiny ?? _tiny, name: "m" + Guid.NewGuid().ToString("N")));
        return new OnnxBatchScorer(model, options ?? new OnnxBatchOptions(), Template112.Layout, NullLogger.Instance, time);
    }
}
