// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Text.Json;

namespace PainStream.Scoring.Tests;

public sealed class BaselineLearnerTests
{
    [Fact]
    public void GetPercentile_KnownValues_InterpolatesLinearlyLikeNumPy()
    {
        var learner = new BaselineLearner(new BaselineLearnerOptions { Capacity = 10, MinSamples = 1 });
        foreach (var v in new[] { 5f, 1f, 4f, 2f, 3f }) // any order
        {
            Assert.True(learner.Add(Uniform(v)));
        }

        // numpy.percentile([1,2,3,4,5], q) = 1, 2, 3, 4.6, 5 for q = 0, 25, 50, 90, 100; 1.4 for q = 10.
        Assert.Equal(1f, learner.GetPercentile(0).EyeAspectRatio, 1e-6f);
        Assert.Equal(1.4f, learner.GetPercentile(0.1).LidAperture, 1e-6f);
        Assert.Equal(2f, learner.GetPercentile(0.25).BrowToLid, 1e-6f);
        Assert.Equal(3f, learner.GetPercentile(0.5).InnerBrowGap, 1e-6f);
        Assert.Equal(4.6f, learner.GetPercentile(0.9).NoseToUpperLip, 1e-6f);
        Assert.Equal(5f, learner.GetPercentile(1).NoseRootToLip, 1e-6f);
        Assert.Equal(3f, learner.GetPercentile(0.5).InterOcularPixels, 1e-6f);
    }

    [Fact]
    public void GetPercentile_EachFieldIndependently()
    {
        var learner = new BaselineLearner(new BaselineLearnerOptions { Capacity = 4, MinSamples = 1 });
        learner.Add(new AuProxies(1, 40, 7, 1, 1, 1, 60));
        learner.Add(new AuProxies(2, 30, 5, 1, 1, 1, 60));
        learner.Add(new AuProxies(3, 20, 6, 1, 1, 1, 60));
        learner.Add(new AuProxies(4, 10, 8, 1, 1, 1, 60));

        var high = learner.GetPercentile(1);
        Assert.Equal(new AuProxies(4, 40, 8, 1, 1, 1, 60), high);
        var low = learner.GetPercentile(0);
        Assert.Equal(new AuProxies(1, 10, 5, 1, 1, 1, 60), low);
    }

    [Fact]
    public void Add_BeyondCapacity_KeepsOnlyTheNewestWindow()
    {
        var learner = new BaselineLearner(new BaselineLearnerOptions { Capacity = 3, MinSamples = 1 });
        for (var v = 1; v <= 10; v++)
        {
            learner.Add(Uniform(v));
        }

        Assert.Equal(3, learner.Count);
        Assert.Equal(8f, learner.GetPercentile(0).EyeAspectRatio);
        Assert.Equal(10f, learner.GetPercentile(1).EyeAspectRatio);
        Assert.Equal([8f, 9f, 10f], learner.ExportState().Samples.Select(s => s.EyeAspectRatio));
    }

    [Fact]
    public void TryGetBaseline_NeedsMinSamplesAndUsesTheNeutralPercentile()
    {
        var learner = new BaselineLearner(new BaselineLearnerOptions { Capacity = 100, MinSamples = 5, NeutralPercentile = 0.75 });
        for (var v = 1; v <= 4; v++)
        {
            learner.Add(Uniform(v));
        }

        Assert.False(learner.IsReady);
        Assert.False(learner.TryGetBaseline(out _));
        learner.Add(Uniform(5));
        Assert.True(learner.TryGetBaseline(out var baseline));
        Assert.Equal(4f, baseline.Neutral.EyeAspectRatio, 1e-6f); // 75th percentile of 1..5
    }

    [Fact]
    public void TryGetBaseline_MostlyNeutralWithGrimacesAndBlinks_RecoversTheNeutralFace()
    {
        var neutral = RealFaces.Astronaut;
        var neutralProxies = AuProxies.FromLandmarks(neutral);
        var learner = new BaselineLearner(new BaselineLearnerOptions { Capacity = 200, MinSamples = 50 });
        var random = new Random(3);
        for (var i = 0; i < 400; i++)
        {
            var face = (i % 10) switch
            {
                0 => Shapes.CloseEyes(neutral, 1f), // blink
                1 or 2 => Shapes.RaiseUpperLip(Shapes.LowerBrows(Shapes.NarrowEyes(neutral, 0.4f), 0.08f), 0.06f), // grimace
                _ => neutral,
            };
            var jittered = Shapes.Similarity(face, 1 + (0.05f * random.NextSingle()), 3 * random.NextSingle(), 10 * random.NextSingle(), 0);
            learner.Add(AuProxies.FromLandmarks(jittered));
        }

        Assert.True(learner.TryGetBaseline(out var learnt));
        var scorer = new GeometricPspiScorer();
        Assert.Equal(0f, scorer.Score(neutral, learnt, HeadPose.Frontal).Pspi, 0.2f);
        for (var f = 0; f < AuProxies.FieldCount; f++)
        {
            if (f == AuProxies.InterOcularIndex)
            {
                continue;
            }

            Assert.Equal(neutralProxies.Get(f), learnt.Neutral.Get(f), neutralProxies.Get(f) * 1e-3f);
        }
    }

    [Fact]
    public void Reset_ForgetsEverySample()
    {
        var learner = new BaselineLearner(new BaselineLearnerOptions { Capacity = 5, MinSamples = 2 });
        learner.Add(Uniform(1));
        learner.Add(Uniform(2));
        Assert.True(learner.TryGetBaseline(out _));

        learner.Reset();

        Assert.Equal(0, learner.Count);
        Assert.False(learner.TryGetBaseline(out _));
        Assert.Throws<InvalidOperationException>(() => learner.GetPercentile(0.5));
        Assert.Empty(learner.ExportState().Samples);
        learner.Add(Uniform(7));
        Assert.Equal(7f, learner.GetPercentile(0.5).EyeAspectRatio);
    }

    [Fact]
    public void Add_InvalidSample_IsRejected()
    {
        var learner = new BaselineLearner(new BaselineLearnerOptions { Capacity = 5, MinSamples = 1 });
        Assert.False(learner.Add(new AuProxies(float.NaN, 1, 1, 1, 1, 1, 60)));
        Assert.False(learner.Add(default)); // inter-ocular distance 0
        Assert.Equal(0, learner.Count);
    }

    [Fact]
    public void ExportState_ThroughJson_RestoresTheSameBaseline()
    {
        var options = new BaselineLearnerOptions { Capacity = 50, MinSamples = 10 };
        var learner = new BaselineLearner(options);
        var random = new Random(11);
        for (var i = 0; i < 80; i++)
        {
            learner.Add(new AuProxies(0.3f * random.NextSingle() + 0.1f, 0.1f + random.NextSingle(), 0.3f, 0.25f + (0.01f * i), 0.2f, 0.7f, 60 + i));
        }

        var json = JsonSerializer.Serialize(learner.ExportState());
        TestContext.Current.TestOutputHelper?.WriteLine(json[..Math.Min(json.Length, 300)]);
        var state = JsonSerializer.Deserialize<BaselineLearnerState>(json);
        Assert.NotNull(state);
        Assert.Equal(BaselineLearnerState.CurrentVersion, state.Version);
        Assert.DoesNotContain("IsValid", json, StringComparison.Ordinal);

        var restored = new BaselineLearner(options);
        restored.Restore(state);

        Assert.Equal(learner.Count, restored.Count);
        Assert.Equal(learner.ExportState().Samples, restored.ExportState().Samples);
        Assert.True(learner.TryGetBaseline(out var a));
        Assert.True(restored.TryGetBaseline(out var b));
        Assert.Equal(a, b);

        // Continuing after the restore evicts in the same order as the original.
        learner.Add(Uniform(9));
        restored.Add(Uniform(9));
        Assert.Equal(learner.ExportState().Samples, restored.ExportState().Samples);
    }

    [Fact]
    public void Restore_IntoASmallerWindow_KeepsTheNewest_AndRejectsUnknownVersions()
    {
        var state = new BaselineLearnerState(BaselineLearnerState.CurrentVersion, [Uniform(1), Uniform(2), Uniform(3), Uniform(4)]);
        var small = new BaselineLearner(new BaselineLearnerOptions { Capacity = 2, MinSamples = 1 });
        small.Restore(state);
        Assert.Equal([3f, 4f], small.ExportState().Samples.Select(s => s.LidAperture));

        Assert.Throws<NotSupportedException>(() => small.Restore(state with { Version = 99 }));
        Assert.Throws<ArgumentNullException>(() => small.Restore(null!));
    }

    [Fact]
    public void Constructor_BadOptions_Throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new BaselineLearner(new BaselineLearnerOptions { Capacity = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BaselineLearner(new BaselineLearnerOptions { NeutralPercentile = 1.5 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BaselineLearner(new BaselineLearnerOptions { Capacity = 5, MinSamples = 6 }));
        var learner = new BaselineLearner();
        learner.Add(Uniform(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => learner.GetPercentile(-0.1));
    }

    [Fact]
    public void AddAndGetPercentile_DoNotAllocate()
    {
        var learner = new BaselineLearner(new BaselineLearnerOptions { Capacity = 300, MinSamples = 1 });
        var sample = AuProxies.FromLandmarks(RealFaces.Astronaut);

        // Warm up the exact path measured below (first calls, tiered JIT and on-stack replacement can allocate once).
        Run(learner, sample);
        Run(learner, sample);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var baseline = Run(learner, sample);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.True(baseline.IsValid);
    }

    private static AuProxies Uniform(float v) => new(v, v, v, v, v, v, v);

    private static NeutralBaseline Run(BaselineLearner learner, AuProxies sample)
    {
        for (var i = 0; i < 600; i++)
        {
            learner.Add(sample with { EyeAspectRatio = sample.EyeAspectRatio + (i * 1e-4f) });
        }

        learner.TryGetBaseline(out var baseline);
        return baseline;
    }
}
