// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using PainStream.Core.Cameras;
using PainStream.Core.Detection;
using PainStream.Core.Diagnostics;
using PainStream.Core.Frames;

namespace PainStream.Core.Pipeline;

/// <summary>
/// Takes frames off the capture channel, runs the face detector on each camera's region of interest and writes one
/// <see cref="FaceObservation"/> per frame. Owns each frame it reads and disposes it once detection is done.
/// </summary>
public sealed class DetectStage
{
    private readonly IFaceDetector _detector;
    private readonly CameraCatalog _catalog;
    private readonly CameraRegistry _registry;
    private readonly PipelineMetrics _metrics;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Func<IFaceAnalyzer>? _analyzers;
    private readonly int _redetectEveryFrames;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<CameraId, FaceFollower> _trackers = new();
    private long _lastProgress;

    // Each detect worker runs Process synchronously on its own thread: one reusable tile list per thread, no per-frame list.
    [ThreadStatic]
    private static List<PixelRect>? t_tiles;

    /// <summary>Initializes a new instance of the <see cref="DetectStage"/> class.</summary>
    /// <param name="detector">The face detector (thread-safe).</param>
    /// <param name="catalog">The cameras' regions of interest.</param>
    /// <param name="registry">Per-camera counters.</param>
    /// <param name="metrics">Instruments.</param>
    /// <param name="logger">Logger.</param>
    /// <param name="time">Clock for latency.</param>
    /// <param name="analyzers">Creates one face analyser per worker (landmarks, pose, quality), or <see langword="null"/> for detection only.</param>
    /// <param name="redetectEveryFrames">
    /// <c>Detection:RedetectEveryFrames</c>: with an analyser, a camera's faces are followed by their landmarks between
    /// detections and the detector runs at least once in this many frames (<see cref="FaceFollower"/>); 1 detects every frame.
    /// </param>
    public DetectStage(IFaceDetector detector, CameraCatalog catalog, CameraRegistry registry, PipelineMetrics metrics, ILogger<DetectStage> logger, TimeProvider time, Func<IFaceAnalyzer>? analyzers = null, int redetectEveryFrames = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(redetectEveryFrames, 1);
        _redetectEveryFrames = redetectEveryFrames;
        _analyzers = analyzers;
        _detector = detector;
        _catalog = catalog;
        _registry = registry;
        _metrics = metrics;
        _logger = logger;
        _time = time;
        _lastProgress = time.GetTimestamp();
    }

    /// <summary>Gets how long ago a detect worker last finished a frame (or the stage was created).</summary>
    public TimeSpan SinceLastProgress => _time.GetElapsedTime(Interlocked.Read(ref _lastProgress));

    /// <summary>Runs <paramref name="workers"/> loops until the input completes or <paramref name="cancellationToken"/> fires, then completes the output.</summary>
    /// <param name="input">Frames.</param>
    /// <param name="output">Observations.</param>
    /// <param name="workers">Number of concurrent detect loops.</param>
    /// <param name="cancellationToken">Stops the stage.</param>
    /// <returns>A task that ends when every worker has ended.</returns>
    public async Task RunAsync(ChannelReader<Frame> input, ChannelWriter<FaceObservation> output, int workers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        Exception? failure = null;
        try
        {
            var loops = new Task[workers];
            for (var i = 0; i < workers; i++)
            {
                var analyzer = _analyzers?.Invoke();
                loops[i] = Task.Run(() => WorkerAsync(input, output, analyzer, cancellationToken), CancellationToken.None);
            }

            await Task.WhenAll(loops);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Normal shutdown.
        }
        catch (Exception ex)
        {
            failure = ex;
            throw;
        }
        finally
        {
            output.TryComplete(failure);
        }
    }

    /// <summary>Detects faces in one frame and disposes it. The loop body, callable directly from tests.</summary>
    /// <param name="frame">The frame; this method takes ownership.</param>
    /// <param name="analyzer">The worker's face analyser, if any.</param>
    /// <returns>The observation, or <see langword="null"/> when detection failed (logged and counted).</returns>
    internal FaceObservation? Process(Frame frame, IFaceAnalyzer? analyzer = null)
    {
        using (frame)
        {
            // Whatever the result, the stage made progress: the systemd watchdog and /healthz read this.
            using var progress = new ProgressMark(this);
            using var activity = PainStreamActivities.Source.StartActivity(PainStreamActivities.DetectFrame);
            activity?.SetTag(PainStreamInstruments.CameraTag, frame.Camera.Value);
            activity?.SetTag(PainStreamActivities.FrameSequenceTag, frame.Sequence);
            var start = _time.GetTimestamp();
            IReadOnlyList<DetectedFace> faces;
            IReadOnlyList<FaceAnalysis>? analyses = null;
            try
            {
                if (analyzer is null)
                {
                    faces = DetectInRegion(frame);
                }
                else
                {
                    (faces, analyses) = DetectOrTrack(frame, analyzer);
                }
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // By design: one bad frame (or a transient inference error) must not stop the stage for every camera.
                _metrics.RecordStageError("detect");
                _logger.DetectFailed(ex, frame.Camera.Value, frame.Sequence);
                activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
                return null;
            }

            var duration = _time.GetElapsedTime(start);
            activity?.SetTag(PainStreamActivities.FacesTag, faces.Count);
            _registry.Find(frame.Camera)?.OnProcessed(duration);
            _metrics.RecordDetect(frame.Camera, duration, _time.GetElapsedTime(frame.CaptureTimestamp));
            return new FaceObservation(frame.Camera, frame.Sequence, frame.CapturedAt, frame.CaptureTimestamp, frame.Width, frame.Height, faces, duration, _detector.Name)
            {
                Analyses = analyses,
            };
        }
    }

    /// <summary>
    /// The per-frame choice (issue 14): follow the camera's faces by their landmarks when its <see cref="FaceFollower"/> says
    /// so, else (or when the followed fit degrades, then on this same frame) run the detector and analyse what it finds.
    /// A camera whose tracker another worker holds at this moment is simply detected.
    /// </summary>
    private (IReadOnlyList<DetectedFace> Faces, IReadOnlyList<FaceAnalysis> Analyses) DetectOrTrack(Frame frame, IFaceAnalyzer analyzer)
    {
        var image = new BgrImage(frame.Pixels, frame.Width, frame.Height, frame.Stride);
        var tracker = _redetectEveryFrames == 1 ? null : _trackers.GetOrAdd(frame.Camera, static (_, n) => new FaceFollower(n), _redetectEveryFrames);
        if (tracker is null || !Monitor.TryEnter(tracker))
        {
            var detected = DetectInRegion(frame);
            _metrics.RecordFaces(frame.Camera, detected.Count, FaceSource.Detected);
            return (detected, analyzer.Analyze(frame.Camera, image, detected));
        }

        try
        {
            var (faces, analyses, source) = tracker.Run(
                frame.Width,
                frame.Height,
                (Stage: this, Frame: frame, Analyzer: analyzer),
                static s => s.Stage.DetectInRegion(s.Frame),
                static (s, faces) => s.Analyzer.Analyze(s.Frame.Camera, new BgrImage(s.Frame.Pixels, s.Frame.Width, s.Frame.Height, s.Frame.Stride), faces));
            _metrics.RecordFaces(frame.Camera, faces.Count, source);
            return (faces, analyses);
        }
        finally
        {
            Monitor.Exit(tracker);
        }
    }

    private IReadOnlyList<DetectedFace> DetectInRegion(Frame frame)
    {
        var image = new BgrImage(frame.Pixels, frame.Width, frame.Height, frame.Stride);
        if (!_catalog.Current.TryGetValue(frame.Camera, out var settings))
        {
            return _detector.Detect(image);
        }

        // Frame analysis: one tile (the camera's region or the whole frame). Beds analysis: one tile per bed, each a view of
        // the frame's buffer at the beds resolution, so a far bed is searched at its own scale rather than the frame's.
        var tiles = t_tiles ??= new List<PixelRect>(8);
        AnalysisTiles.Split(settings, frame.Width, frame.Height, tiles);
        if (tiles.Count == 1)
        {
            var tile = tiles[0];
            return tile == new PixelRect(0, 0, frame.Width, frame.Height) ? _detector.Detect(image) : ToFrame(_detector.Detect(image.Crop(tile)), tile);
        }

        List<DetectedFace>? all = null;
        foreach (var tile in tiles)
        {
            var found = _detector.Detect(image.Crop(tile));
            if (found.Count == 0)
            {
                continue;
            }

            all ??= new List<DetectedFace>(found.Count * tiles.Count);
            for (var i = 0; i < found.Count; i++)
            {
                all.Add(AnalysisTiles.ToFrame(found[i], tile));
            }
        }

        if (all is null)
        {
            return [];
        }

        // The detector's contract: best score first, across the tiles as within one.
        all.Sort(static (a, b) => b.Score.CompareTo(a.Score));
        return all;
    }

    private static IReadOnlyList<DetectedFace> ToFrame(IReadOnlyList<DetectedFace> found, PixelRect tile)
    {
        if (found.Count == 0)
        {
            return found;
        }

        var shifted = new DetectedFace[found.Count];
        for (var i = 0; i < found.Count; i++)
        {
            shifted[i] = AnalysisTiles.ToFrame(found[i], tile);
        }

        return shifted;
    }

    private async Task WorkerAsync(ChannelReader<Frame> input, ChannelWriter<FaceObservation> output, IFaceAnalyzer? analyzer, CancellationToken cancellationToken)
    {
        await foreach (var frame in input.ReadAllAsync(cancellationToken))
        {
            var observation = Process(frame, analyzer);
            if (observation is not null)
            {
                await output.WriteAsync(observation, cancellationToken);
            }
        }
    }

    private readonly struct ProgressMark(DetectStage stage) : IDisposable
    {
        public void Dispose() => Interlocked.Exchange(ref stage._lastProgress, stage._time.GetTimestamp());
    }
}
