// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Collections.Frozen;
using System.Diagnostics;
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

public sealed class DetectStageTests : IDisposable
{
    private static readonly CameraId Cam = new("bed-1");
    private readonly TestMeterFactory _meters = new();
    private readonly FramePool _pool = new();
    private readonly FakeTimeProvider _time = new();
    private readonly CameraRegistry _registry;
    private readonly CameraCatalog _catalog = new();

    public DetectStageTests()
    {
        _registry = new CameraRegistry(new RecordingPublisher(), _time);
        _registry.Get(Cam);
    }

    public void Dispose() => _meters.Dispose();

    [Fact]
    public void Process_WithAListener_RecordsOneDetectSpanPerFrameWithCameraAndFaces()
    {
        var spans = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == PainStreamActivities.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a =>
            {
                lock (spans)
                {
                    spans.Add(a);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        using var detector = new FakeFaceDetector((_, _) => [new DetectedFace(new BoxF(10, 20, 30, 40), 0.9f, [new PointF(15, 25)])]);
        var stage = CreateStage(detector);

        Assert.NotNull(stage.Process(NewFrame(200, 100, 7_777)));

        // Other tests may run frames concurrently: pick this test's camera and frame.
        List<Activity> mine;
        lock (spans)
        {
            mine = spans.Where(a => a.OperationName == PainStreamActivities.DetectFrame && Equals(a.GetTagItem(PainStreamInstruments.CameraTag), Cam.Value)
                && Equals(a.GetTagItem(PainStreamActivities.FrameSequenceTag), 7_777L)).ToList();
        }

        var span = Assert.Single(mine);
        Assert.Equal(1, span.GetTagItem(PainStreamActivities.FacesTag));
        Assert.Equal(ActivityStatusCode.Unset, span.Status);
    }

    [Fact]
    public void Process_WithRegion_DetectsOnTheCropAndReturnsFrameCoordinates()
    {
        using var detector = new FakeFaceDetector((_, _) => [new DetectedFace(new BoxF(10, 20, 30, 40), 0.9f, [new PointF(15, 25)])]);
        _catalog.Update(new Dictionary<CameraId, CameraSettings>
        {
            [Cam] = new(Cam, "lavfi:x", true, 5, 200, 100, new NormalizedRegion(0.5, 0.2, 0.5, 0.8)),
        }.ToFrozenDictionary());
        var stage = CreateStage(detector);

        var observation = stage.Process(NewFrame(200, 100));

        Assert.NotNull(observation);
        Assert.Equal((100, 80), detector.Seen.Single());
        var face = Assert.Single(observation.Faces);
        Assert.Equal(new BoxF(110, 40, 30, 40), face.Box);
        Assert.Equal(new PointF(115, 45), face.Keypoints[0]);
        Assert.Equal(0, _pool.Outstanding);
        Assert.Equal(1, _registry.Get(Cam).Processed);
    }

    [Fact]
    public void Process_BedsAnalysis_DetectsOncePerBed_AndReturnsEveryFaceInFrameCoordinatesBestFirst()
    {
        // One face per tile, at the same tile position; the right-hand tiles' faces score higher.
        using var detector = new FakeFaceDetector((w, _) => [new DetectedFace(new BoxF(10, 20, 30, 40), w == 120 ? 0.9f : 0.7f, [new PointF(15, 25)])]);
        _catalog.Update(new Dictionary<CameraId, CameraSettings>
        {
            [Cam] = new(Cam, "lavfi:x", true, 5, 200, 100, Region: null)
            {
                Analysis = AnalysisMode.Beds,
                Beds =
                [
                    new BedSettings("left", new NormalizedRegion(0, 0, 0.4, 1), Core.Alerting.AlertPolicy.Default),
                    new BedSettings("right", new NormalizedRegion(0.4, 0, 0.6, 1), Core.Alerting.AlertPolicy.Default),
                ],
            },
        }.ToFrozenDictionary());
        var stage = CreateStage(detector);

        var observation = stage.Process(NewFrame(200, 100));

        Assert.NotNull(observation);
        Assert.Equal([(80, 100), (120, 100)], detector.Seen);
        Assert.Equal((200, 100), (observation.FrameWidth, observation.FrameHeight));
        Assert.Equal([new BoxF(90, 20, 30, 40), new BoxF(10, 20, 30, 40)], observation.Faces.Select(f => f.Box));
        Assert.Equal(new PointF(95, 25), observation.Faces[0].Keypoints[0]);
        Assert.Equal(0, _pool.Outstanding);
    }

    [Fact]
    public void Process_DetectorThrows_SkipsFrameCountsErrorAndReturnsBuffer()
    {
        using var errors = new MetricCollector<long>(_meters, PainStreamInstruments.MeterName, PainStreamInstruments.StageErrors);
        using var detector = new FakeFaceDetector((_, _) => []) { Throw = new InvalidOperationException("boom") };
        var stage = CreateStage(detector);

        var observation = stage.Process(NewFrame(64, 64));

        Assert.Null(observation);
        Assert.Equal(0, _pool.Outstanding);
        Assert.Equal(1, errors.GetMeasurementSnapshot().EvaluateAsCounter());
    }

    [Fact]
    public async Task RunAsync_InputCompleted_ProcessesEverythingCompletesOutputAndLeaksNoFrame()
    {
        using var detector = new FakeFaceDetector((w, h) => [new DetectedFace(new BoxF(0, 0, w, h), 1, [])]);
        var stage = CreateStage(detector);
        var channels = new PipelineChannels(new PipelineOptions { CaptureQueueCapacity = 16 }, _registry);
        for (var i = 0; i < 10; i++)
        {
            Assert.True(channels.FrameWriter.TryWrite(NewFrame(32, 16, i)));
        }

        channels.FrameWriter.Complete();
        await stage.RunAsync(channels.FrameReader, channels.ObservationWriter, workers: 3, TestContext.Current.CancellationToken)
            .WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        var observations = new List<FaceObservation>();
        await foreach (var o in channels.ObservationReader.ReadAllAsync(TestContext.Current.CancellationToken))
        {
            observations.Add(o);
        }

        Assert.Equal(Enumerable.Range(0, 10).Select(i => (long)i), observations.Select(o => o.Sequence).Order());
        Assert.All(observations, o => Assert.Equal(new BoxF(0, 0, 32, 16), Assert.Single(o.Faces).Box));
        Assert.Equal(0, _pool.Outstanding);
    }

    [Fact]
    public async Task RunAsync_Cancelled_CompletesOutputWithoutError()
    {
        using var detector = new FakeFaceDetector((_, _) => []);
        var stage = CreateStage(detector);
        var channels = new PipelineChannels(new PipelineOptions(), _registry);
        using var cts = new CancellationTokenSource();

        var run = stage.RunAsync(channels.FrameReader, channels.ObservationWriter, workers: 2, cts.Token);
        await cts.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);

        Assert.True(channels.ObservationReader.Completion.IsCompletedSuccessfully);
    }

    [Fact]
    public void Process_RedetectEveryThirdFrame_DetectsFramesOneFourSevenAndFollowsTheFaceBetween()
    {
        var box = new BoxF(100, 40, 60, 70);
        using var detector = new FakeFaceDetector((_, _) => [new DetectedFace(box, 0.9f, [])]);
        using var faces = new MetricCollector<long>(_meters, PainStreamInstruments.MeterName, PainStreamInstruments.FacesAnalysed);
        var stage = new DetectStage(detector, _catalog, _registry, new PipelineMetrics(_meters, _registry, _pool), NullLogger<DetectStage>.Instance, _time, redetectEveryFrames: 3);
        var analyzer = new CircleAnalyzer();

        var observations = Enumerable.Range(1, 7).Select(i => stage.Process(NewFrame(320, 180, i), analyzer)).ToList();

        Assert.Equal(3, detector.Seen.Count);
        Assert.All(observations, o => Assert.NotNull(o));
        Assert.All(observations, o => Assert.Single(o!.Analyses!));
        Assert.All(observations, o => Assert.Equal(box, Assert.Single(o!.Faces).Box));
        var bySource = faces.GetMeasurementSnapshot().GroupBy(m => (string)m.Tags["source"]!).ToDictionary(g => g.Key, g => g.Sum(m => m.Value));
        Assert.Equal(3, bySource["detected"]);
        Assert.Equal(4, bySource["tracked"]);
        Assert.Equal(0, _pool.Outstanding);
    }

    [Fact]
    public void Process_RedetectEveryFrame_DetectsEveryFrame()
    {
        using var detector = new FakeFaceDetector((_, _) => [new DetectedFace(new BoxF(100, 40, 60, 70), 0.9f, [])]);
        var stage = new DetectStage(detector, _catalog, _registry, new PipelineMetrics(_meters, _registry, _pool), NullLogger<DetectStage>.Instance, _time, redetectEveryFrames: 1);

        for (var i = 1; i <= 4; i++)
        {
            Assert.NotNull(stage.Process(NewFrame(320, 180, i), new CircleAnalyzer()));
        }

        Assert.Equal(4, detector.Seen.Count);
    }

    [Fact]
    public void Process_I420BedsOnOddPixels_DetectsOnEvenPlaneViews_AndMapsFacesBackByTheirOrigin()
    {
        // Issue 14 item 3: the right bed starts at x = 81; an I420 view must start on an even pixel (one chroma per 2x2).
        using var detector = new PlaneRecordingDetector();
        _catalog.Update(new Dictionary<CameraId, CameraSettings>
        {
            [Cam] = new(Cam, "lavfi:x", true, 5, 200, 100, Region: null)
            {
                Analysis = AnalysisMode.Beds,
                Beds =
                [
                    new BedSettings("left", new NormalizedRegion(0, 0, 0.405, 1), Core.Alerting.AlertPolicy.Default),
                    new BedSettings("right", new NormalizedRegion(0.405, 0.01, 0.595, 0.97), Core.Alerting.AlertPolicy.Default),
                ],
            },
        }.ToFrozenDictionary());
        var frame = _pool.Rent(Cam, 200, 100, FramePixelFormat.I420);
        for (var y = 0; y < 100; y++)
        {
            for (var x = 0; x < 200; x++)
            {
                frame.Pixels[(y * 200) + x] = (byte)x; // each luma byte holds its column
            }
        }

        frame.Pixels[(200 * 100)..].Fill(128);
        frame.Stamp(1, _time.GetUtcNow(), _time.GetTimestamp());

        var observation = CreateStage(detector).Process(frame);

        Assert.NotNull(observation);
        Assert.Equal(2, detector.Origins.Count);
        Assert.All(detector.Origins, o => Assert.True(o.Column % 2 == 0 && o.Width % 2 == 0, $"view at column {o.Column}, {o.Width} wide"));
        Assert.Contains(detector.Origins, o => o.Column == 80);
        Assert.Equal(detector.Origins.Select(o => 10f + o.Column).Order(), observation.Faces.Select(f => f.Box.X).Order());
        Assert.Equal(0, _pool.Outstanding);
    }

    private DetectStage CreateStage(IFaceDetector detector) =>
        new(detector, _catalog, _registry, new PipelineMetrics(_meters, _registry, _pool), NullLogger<DetectStage>.Instance, _time);

    /// <summary>Reads I420 views only: records each view's first luma byte (its column in the test frame) and width.</summary>
    private sealed class PlaneRecordingDetector : IFaceDetector
    {
        public List<(int Column, int Width)> Origins { get; } = [];

        public string Name => "planes";

        public IReadOnlyList<DetectedFace> Detect(BgrImage image) => throw new InvalidOperationException("An I420 frame reached the BGR overload.");

        public IReadOnlyList<DetectedFace> Detect(FrameImage image)
        {
            Assert.Equal(FramePixelFormat.I420, image.Format);
            Assert.Equal((image.Width + 1) / 2, image.U.Width);
            Origins.Add((image.Y.Data[0], image.Width));
            return [new DetectedFace(new BoxF(10, 20, 30, 40), 0.9f, [])];
        }

        public void Dispose()
        {
        }
    }

    /// <summary>A plausible face for every box: 68 landmarks on a circle in the box's middle.</summary>
    private sealed class CircleAnalyzer : IFaceAnalyzer
    {
        public IReadOnlyList<FaceAnalysis> Analyze(BgrImage image, IReadOnlyList<DetectedFace> faces) =>
            faces.Select(f =>
            {
                var c = f.Box.Center;
                var points = Enumerable.Range(0, Face68.Count)
                    .Select(i => new PointF(c.X + (20 * MathF.Cos(2 * MathF.PI * i / Face68.Count)), c.Y + (20 * MathF.Sin(2 * MathF.PI * i / Face68.Count))))
                    .ToArray();
                return new FaceAnalysis(f.Box, f.Score, points, null, null);
            }).ToArray();
    }

    private Frame NewFrame(int width, int height, long sequence = 1)
    {
        var frame = _pool.Rent(Cam, width, height);
        frame.Pixels.Fill(128);
        frame.Stamp(sequence, _time.GetUtcNow(), _time.GetTimestamp());
        return frame;
    }
}
