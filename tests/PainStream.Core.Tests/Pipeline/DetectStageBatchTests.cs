// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Threading.Channels;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using PainStream.Core.Cameras;
using PainStream.Core.Detection;
using PainStream.Core.Diagnostics;
using PainStream.Core.Frames;
using PainStream.Core.Options;
using PainStream.Core.Pipeline;
using PainStream.Testing;

namespace PainStream.Core.Tests.Pipeline;

/// <summary>Issue 14 item 2: the detect stage gathers waiting frames into one detector batch (fake detector).</summary>
public sealed class DetectStageBatchTests : IDisposable
{
    private static readonly CameraId[] Cams = [new("cam-a"), new("cam-b"), new("cam-c"), new("cam-d")];
    private readonly TestMeterFactory _meters = new();
    private readonly FramePool _pool = new();
    private readonly FakeTimeProvider _time = new();
    private readonly CameraRegistry _registry;
    private readonly CameraCatalog _catalog = new();

    public DetectStageBatchTests()
    {
        _registry = new CameraRegistry(new RecordingPublisher(), _time);
        foreach (var cam in Cams)
        {
            _registry.Get(cam);
        }
    }

    public void Dispose() => _meters.Dispose();

    [Theory]
    [InlineData(0, 1, 8, 1)] // nothing waits: the frame alone, no waiting for more
    [InlineData(3, 1, 8, 4)] // one worker takes all that waits
    [InlineData(20, 1, 8, 8)] // up to the cap
    [InlineData(7, 2, 8, 4)] // two workers share 8 frames
    [InlineData(8, 2, 8, 5)] // ceil(9 / 2)
    [InlineData(100, 3, 8, 8)]
    [InlineData(1, 4, 8, 1)] // more workers than frames: each takes one
    [InlineData(50, 1, 1, 1)] // MaxBatch 1: one frame at a time, as before batching
    public void GatherLimit_SharesWaitingFramesBetweenWorkersUpToTheCap(int waiting, int workers, int maxBatch, int expected) =>
        Assert.Equal(expected, DetectStage.GatherLimit(waiting, workers, maxBatch));

    [Fact]
    public void Gather_NothingElseWaiting_ReturnsAtOnceWithTheOneFrame()
    {
        var channel = Channel.CreateUnbounded<Frame>();
        var batch = new List<Frame>();
        using var first = NewFrame(Cams[0], 1);

        var next = DetectStage.Gather(first, channel.Reader, 8, batch);

        Assert.Null(next);
        Assert.Same(first, Assert.Single(batch));
    }

    [Fact]
    public void Gather_FramesWaiting_TakesThemUpToTheLimitAndLeavesTheRest()
    {
        var channel = Channel.CreateUnbounded<Frame>();
        for (var i = 1; i < 4; i++)
        {
            Assert.True(channel.Writer.TryWrite(NewFrame(Cams[i], i)));
        }

        var batch = new List<Frame>();
        var first = NewFrame(Cams[0], 0);

        var next = DetectStage.Gather(first, channel.Reader, 3, batch);

        Assert.Null(next);
        Assert.Equal([Cams[0], Cams[1], Cams[2]], batch.Select(f => f.Camera));
        Assert.True(channel.Reader.TryRead(out var left));
        Assert.Equal(Cams[3], left.Camera);
        left.Dispose();
        batch.ForEach(f => f.Dispose());
        Assert.Equal(0, _pool.Outstanding);
    }

    [Fact]
    public void Gather_SecondFrameOfACameraInTheBatch_EndsTheBatchAndStartsTheNext()
    {
        var channel = Channel.CreateUnbounded<Frame>();
        Assert.True(channel.Writer.TryWrite(NewFrame(Cams[1], 1)));
        Assert.True(channel.Writer.TryWrite(NewFrame(Cams[0], 2)));
        Assert.True(channel.Writer.TryWrite(NewFrame(Cams[2], 3)));
        var batch = new List<Frame>();

        var next = DetectStage.Gather(NewFrame(Cams[0], 0), channel.Reader, 8, batch);

        Assert.Equal([0L, 1L], batch.Select(f => f.Sequence));
        Assert.NotNull(next);
        Assert.Equal((Cams[0], 2L), (next.Camera, next.Sequence));
        Assert.True(channel.Reader.TryRead(out var left));
        Assert.Equal(3, left.Sequence);
        next.Dispose();
        left.Dispose();
        batch.ForEach(f => f.Dispose());
    }

    [Fact]
    public void ProcessBatch_FourCamerasOneWithTwoBeds_OneDetectorCallWithEveryTileAndEachFrameGetsItsOwnFaces()
    {
        // Each camera has its own frame size and the detector's face is the whole image, so each observation shows whose
        // images it got back. cam-d analyses two beds (80 and 120 px wide tiles).
        _catalog.Update(new Dictionary<CameraId, CameraSettings>
        {
            [Cams[3]] = new(Cams[3], "lavfi:x", true, 5, 200, 100, Region: null)
            {
                Analysis = AnalysisMode.Beds,
                Beds =
                [
                    new BedSettings("left", new NormalizedRegion(0, 0, 0.4, 1), Core.Alerting.AlertPolicy.Default),
                    new BedSettings("right", new NormalizedRegion(0.4, 0, 0.6, 1), Core.Alerting.AlertPolicy.Default),
                ],
            },
        }.ToFrozenDictionary());
        using var detector = new BatchDetector((w, h) => [new DetectedFace(new BoxF(0, 0, w, h), w / 1000f, [])]);
        using var sizes = new MetricCollector<int>(_meters, PainStreamInstruments.MeterName, PainStreamInstruments.DetectBatchSize);
        var stage = CreateStage(detector, maxBatch: 8);
        Frame[] frames = [NewFrame(Cams[0], 1, 64, 32), NewFrame(Cams[1], 2, 96, 48), NewFrame(Cams[2], 3, 48, 64), NewFrame(Cams[3], 4, 200, 100)];
        var results = new List<FaceObservation?>();

        stage.ProcessBatch(frames, null, results);

        Assert.Equal([5], detector.Batches);
        Assert.Equal([(64, 32), (96, 48), (48, 64), (80, 100), (120, 100)], detector.Seen);
        Assert.Equal([1L, 2L, 3L, 4L], results.Select(o => o!.Sequence));
        Assert.Equal(new BoxF(0, 0, 64, 32), Assert.Single(results[0]!.Faces).Box);
        Assert.Equal(new BoxF(0, 0, 96, 48), Assert.Single(results[1]!.Faces).Box);
        Assert.Equal(new BoxF(0, 0, 48, 64), Assert.Single(results[2]!.Faces).Box);

        // The beds frame: both tiles' faces in frame coordinates, best (the wider tile's) first.
        Assert.Equal([new BoxF(80, 0, 120, 100), new BoxF(0, 0, 80, 100)], results[3]!.Faces.Select(f => f.Box));
        Assert.Equal([5], sizes.GetMeasurementSnapshot().Select(m => m.Value));
        Assert.Equal(0, _pool.Outstanding);
        Assert.All(Cams, c => Assert.Equal(1, _registry.Get(c).Processed));
    }

    [Fact]
    public void ProcessBatch_OneImageMakesTheDetectorThrow_OnlyItsFrameFailsAndTheOthersAreRetriedAlone()
    {
        using var errors = new MetricCollector<long>(_meters, PainStreamInstruments.MeterName, PainStreamInstruments.StageErrors);
        using var detector = new BatchDetector((w, h) => [new DetectedFace(new BoxF(0, 0, w, h), 0.9f, [])]) { FailOnWidth = 96 };
        var stage = CreateStage(detector, maxBatch: 8);
        Frame[] frames = [NewFrame(Cams[0], 1, 64, 32), NewFrame(Cams[1], 2, 96, 48), NewFrame(Cams[2], 3, 48, 64)];
        var results = new List<FaceObservation?>();

        stage.ProcessBatch(frames, null, results);

        // The batch of 3 failed; each frame ran alone: two succeeded, the bad one failed again.
        Assert.Equal([3, 1, 1, 1], detector.Batches);
        Assert.NotNull(results[0]);
        Assert.Null(results[1]);
        Assert.NotNull(results[2]);
        Assert.Equal(new BoxF(0, 0, 48, 64), Assert.Single(results[2]!.Faces).Box);
        Assert.Equal(1, errors.GetMeasurementSnapshot().EvaluateAsCounter());
        Assert.Equal(0, _pool.Outstanding);
    }

    [Fact]
    public void ProcessBatch_AnalyzerThrowsOnOneFrame_TheOthersAreAnalysed()
    {
        using var errors = new MetricCollector<long>(_meters, PainStreamInstruments.MeterName, PainStreamInstruments.StageErrors);
        using var detector = new BatchDetector((_, _) => [new DetectedFace(new BoxF(10, 10, 20, 20), 0.9f, [])]);
        var stage = CreateStage(detector, maxBatch: 8, redetectEveryFrames: 3);
        var analyzer = new CircleAnalyzer { FailOn = Cams[1] };
        Frame[] frames = [NewFrame(Cams[0], 1), NewFrame(Cams[1], 2), NewFrame(Cams[2], 3)];
        var results = new List<FaceObservation?>();

        stage.ProcessBatch(frames, analyzer, results);

        Assert.Equal([3], detector.Batches);
        Assert.Single(results[0]!.Analyses!);
        Assert.Null(results[1]);
        Assert.Single(results[2]!.Analyses!);
        Assert.Equal(1, errors.GetMeasurementSnapshot().EvaluateAsCounter());

        // The failed camera's follower was reset (detected next time); the others follow their face.
        Assert.Equal(1, stage.FollowerOf(Cams[0]).Following);
        Assert.Equal(0, stage.FollowerOf(Cams[1]).Following);
        Assert.Equal(0, _pool.Outstanding);
    }

    [Fact]
    public void ProcessBatch_FollowedAndDueFramesMixed_OnlyTheDueFramesReachTheDetector()
    {
        using var detector = new BatchDetector((_, _) => [new DetectedFace(new BoxF(100, 40, 60, 70), 0.9f, [])]);
        using var faces = new MetricCollector<long>(_meters, PainStreamInstruments.MeterName, PainStreamInstruments.FacesAnalysed);
        var stage = CreateStage(detector, maxBatch: 8, redetectEveryFrames: 3);
        var analyzer = new CircleAnalyzer();
        var results = new List<FaceObservation?>();

        // Batch 1: a and b are new, both detected together. Batch 2: both followed, plus c (new) detected alone.
        stage.ProcessBatch([NewFrame(Cams[0], 1), NewFrame(Cams[1], 1)], analyzer, results);
        Assert.All(results, o => Assert.Single(o!.Faces));
        stage.ProcessBatch([NewFrame(Cams[0], 2), NewFrame(Cams[1], 2), NewFrame(Cams[2], 1)], analyzer, results);

        Assert.Equal([2, 1], detector.Batches);
        Assert.All(results, o => Assert.Equal(new BoxF(100, 40, 60, 70), Assert.Single(o!.Faces).Box));
        var bySource = faces.GetMeasurementSnapshot().GroupBy(m => (string)m.Tags["source"]!).ToDictionary(g => g.Key, g => g.Sum(m => m.Value));
        Assert.Equal(3, bySource["detected"]);
        Assert.Equal(2, bySource["tracked"]);
        Assert.Equal(0, _pool.Outstanding);
    }

    [Fact]
    public void ProcessBatch_FollowedFitsDegrade_TheSameFramesAreDetectedTogetherInTheBatch()
    {
        using var detector = new BatchDetector((_, _) => [new DetectedFace(new BoxF(100, 40, 60, 70), 0.9f, [])]);
        using var faces = new MetricCollector<long>(_meters, PainStreamInstruments.MeterName, PainStreamInstruments.FacesAnalysed);
        var stage = CreateStage(detector, maxBatch: 8, redetectEveryFrames: 5);
        var analyzer = new CircleAnalyzer { RejectFollowed = true };
        var results = new List<FaceObservation?>();
        stage.ProcessBatch([NewFrame(Cams[0], 1), NewFrame(Cams[1], 1)], analyzer, results);

        // Both cameras' followed fits are not faces: each frame is detected on the spot, both in one batch.
        stage.ProcessBatch([NewFrame(Cams[0], 2), NewFrame(Cams[1], 2)], analyzer, results);

        Assert.Equal([2, 2], detector.Batches);
        Assert.All(results, o => Assert.Equal(new BoxF(100, 40, 60, 70), Assert.Single(o!.Faces).Box));
        Assert.Equal(1, stage.FollowerOf(Cams[0]).Degraded);
        Assert.Equal(1, stage.FollowerOf(Cams[1]).Degraded);
        Assert.Equal(1, stage.FollowerOf(Cams[0]).Following);
        var bySource = faces.GetMeasurementSnapshot().GroupBy(m => (string)m.Tags["source"]!).ToDictionary(g => g.Key, g => g.Sum(m => m.Value));
        Assert.Equal(4, bySource["detected"]);
        Assert.False(bySource.ContainsKey("tracked"));
        Assert.Equal(0, _pool.Outstanding);
    }

    [Fact]
    public void ProcessBatch_TwoFramesOfOneCamera_TheSecondIsDetectedWithoutTouchingTheFollower()
    {
        // Gather never builds such a batch, but the step must stay correct: Monitor is re-entrant, so the batch must not
        // let the same camera's follower serve two frames at once.
        using var detector = new BatchDetector((_, _) => [new DetectedFace(new BoxF(100, 40, 60, 70), 0.9f, [])]);
        var stage = CreateStage(detector, maxBatch: 8, redetectEveryFrames: 5);
        var analyzer = new CircleAnalyzer();
        var results = new List<FaceObservation?>();
        stage.ProcessBatch([NewFrame(Cams[0], 1)], analyzer, results);

        stage.ProcessBatch([NewFrame(Cams[0], 2), NewFrame(Cams[0], 3)], analyzer, results);

        Assert.Equal([1, 1], detector.Batches);
        Assert.Equal([2L, 3L], results.Select(o => o!.Sequence));
        Assert.Equal(1, stage.FollowerOf(Cams[0]).Following);
        Assert.False(Monitor.IsEntered(stage.FollowerOf(Cams[0])));
    }

    [Fact]
    public async Task ProcessBatch_FollowerHeldByAnotherWorker_TheFrameIsDetected()
    {
        using var detector = new BatchDetector((_, _) => [new DetectedFace(new BoxF(100, 40, 60, 70), 0.9f, [])]);
        var stage = CreateStage(detector, maxBatch: 8, redetectEveryFrames: 5);
        var analyzer = new CircleAnalyzer();
        var results = new List<FaceObservation?>();
        stage.ProcessBatch([NewFrame(Cams[0], 1)], analyzer, results);
        var follower = stage.FollowerOf(Cams[0]);
        using var held = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var other = Task.Factory.StartNew(
            () =>
            {
                lock (follower)
                {
                    held.Set();
                    release.Wait(TestContext.Current.CancellationToken);
                }
            },
            TestContext.Current.CancellationToken,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);
        held.Wait(TestContext.Current.CancellationToken);

        stage.ProcessBatch([NewFrame(Cams[0], 2), NewFrame(Cams[1], 1)], analyzer, results);
        release.Set();
        await other.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);

        // Without the follower, cam-a's frame 2 is detected along with cam-b's new face: one batch of two.
        Assert.Equal([1, 2], detector.Batches);
        Assert.All(results, o => Assert.Single(o!.Analyses!));
        Assert.Equal(0, _pool.Outstanding);
    }

    [Fact]
    public async Task RunAsync_FramesOfFourCamerasWaiting_BatchesOfDistinctCamerasAndEachCameraInOrder()
    {
        using var detector = new BatchDetector((w, h) => [new DetectedFace(new BoxF(0, 0, w, h), 1, [])]);
        var stage = CreateStage(detector, maxBatch: 8);
        var channels = new PipelineChannels(new PipelineOptions { CaptureQueueCapacity = 64 }, _registry);
        for (var seq = 0; seq < 5; seq++)
        {
            foreach (var cam in Cams)
            {
                Assert.True(channels.FrameWriter.TryWrite(NewFrame(cam, seq)));
            }
        }

        channels.FrameWriter.Complete();
        await stage.RunAsync(channels.FrameReader, channels.ObservationWriter, workers: 1, TestContext.Current.CancellationToken)
            .WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        var observations = new List<FaceObservation>();
        await foreach (var o in channels.ObservationReader.ReadAllAsync(TestContext.Current.CancellationToken))
        {
            observations.Add(o);
        }

        // 20 frames, interleaved a b c d a b c d …: each batch stops at the second frame of a camera, so five batches of 4.
        Assert.Equal([4, 4, 4, 4, 4], detector.Batches);
        foreach (var cam in Cams)
        {
            Assert.Equal([0L, 1L, 2L, 3L, 4L], observations.Where(o => o.Camera == cam).Select(o => o.Sequence));
        }

        Assert.Equal(0, _pool.Outstanding);
    }

    [Fact]
    public async Task RunAsync_MaxBatchOne_OneFramePerDetectorCall()
    {
        using var detector = new BatchDetector((_, _) => []);
        var stage = CreateStage(detector, maxBatch: 1);
        var channels = new PipelineChannels(new PipelineOptions { CaptureQueueCapacity = 64 }, _registry);
        foreach (var cam in Cams)
        {
            Assert.True(channels.FrameWriter.TryWrite(NewFrame(cam, 1)));
        }

        channels.FrameWriter.Complete();
        await stage.RunAsync(channels.FrameReader, channels.ObservationWriter, workers: 1, TestContext.Current.CancellationToken)
            .WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.Equal([1, 1, 1, 1], detector.Batches);
        Assert.Equal(0, _pool.Outstanding);
    }

    [Fact]
    public void Options_MaxBatchOutOfRange_FailsValidationNamingTheKey()
    {
        var result = new DetectionOptionsValidator().Validate(null, new DetectionOptions { MaxBatch = 0 });

        Assert.True(result.Failed);
        Assert.Contains(nameof(DetectionOptions.MaxBatch), result.FailureMessage, StringComparison.Ordinal);
        Assert.True(new DetectionOptionsValidator().Validate(null, new DetectionOptions()).Succeeded);
    }

    private DetectStage CreateStage(IFaceDetector detector, int maxBatch, int redetectEveryFrames = 1) =>
        new(detector, _catalog, _registry, new PipelineMetrics(_meters, _registry, _pool), NullLogger<DetectStage>.Instance, _time, analyzers: null, redetectEveryFrames, maxBatch);

    private Frame NewFrame(CameraId camera, long sequence, int width = 320, int height = 180)
    {
        var frame = _pool.Rent(camera, width, height);
        frame.Pixels.Fill(128);
        frame.Stamp(sequence, _time.GetUtcNow(), _time.GetTimestamp());
        return frame;
    }

    /// <summary>A fake detector that records the size of each batch call and the images it saw.</summary>
    private sealed class BatchDetector(Func<int, int, IReadOnlyList<DetectedFace>> faces) : IFaceDetector
    {
        public ConcurrentQueue<int> Batches { get; } = new();

        public ConcurrentQueue<(int Width, int Height)> Seen { get; } = new();

        /// <summary>Gets or sets an image width that makes any call containing such an image throw.</summary>
        public int? FailOnWidth { get; init; }

        public string Name => "fake-batch";

        public IReadOnlyList<DetectedFace> Detect(BgrImage image) => faces(image.Width, image.Height);

        public void DetectBatch(IBgrImageBatch images, Span<IReadOnlyList<DetectedFace>> results)
        {
            Batches.Enqueue(images.Count);
            for (var i = 0; i < images.Count; i++)
            {
                if (images.GetImage(i).Width == FailOnWidth)
                {
                    throw new InvalidOperationException("bad image");
                }
            }

            for (var i = 0; i < images.Count; i++)
            {
                var image = images.GetImage(i);
                Seen.Enqueue((image.Width, image.Height));
                results[i] = Detect(image);
            }
        }

        public void Dispose()
        {
        }
    }

    /// <summary>A plausible face for every box: 68 landmarks on a circle in the box's middle.</summary>
    private sealed class CircleAnalyzer : IFaceAnalyzer
    {
        public CameraId? FailOn { get; init; }

        /// <summary>Gets a value indicating whether a followed face (it has the follower's four keypoints; the fake detector's have none) is analysed as not a face.</summary>
        public bool RejectFollowed { get; init; }

        public IReadOnlyList<FaceAnalysis> Analyze(BgrImage image, IReadOnlyList<DetectedFace> faces) =>
            faces.Select(f =>
            {
                var c = f.Box.Center;
                var points = Enumerable.Range(0, Face68.Count)
                    .Select(i => new PointF(c.X + (20 * MathF.Cos(2 * MathF.PI * i / Face68.Count)), c.Y + (20 * MathF.Sin(2 * MathF.PI * i / Face68.Count))))
                    .ToArray();
                return new FaceAnalysis(f.Box, f.Score, points, null, RejectFollowed && f.Keypoints.Count > 0 ? FaceAnalysis.NotAFace : null);
            }).ToArray();

        public IReadOnlyList<FaceAnalysis> Analyze(CameraId camera, BgrImage image, IReadOnlyList<DetectedFace> faces) =>
            camera == FailOn ? throw new InvalidOperationException("bad frame") : Analyze(image, faces);
    }
}
