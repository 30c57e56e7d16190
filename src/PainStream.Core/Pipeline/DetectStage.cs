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
/// <remarks>
/// <para>
/// <b>Batches (issue 14 item 2).</b> A worker that takes a frame also takes the frames already waiting, without ever
/// waiting for more (<see cref="GatherLimit"/>: at most <c>Detection:MaxBatch</c>, and a fair share when several workers
/// read). Each frame is either followed (<see cref="FaceFollower"/>) or due for detection; every tile of every due frame
/// then goes to the detector in one <see cref="IFaceDetector.DetectBatch"/> call, and each frame is analysed and its
/// observation written in the order the frames were read.
/// </para>
/// <para>
/// A batch holds at most one frame per camera: a second frame of a camera already in the batch ends the gathering and
/// starts the next batch, so the camera's follower sees its frames one after the other and observations keep each
/// camera's order. One bad frame does not fail the others: a failing batch run is retried frame by frame, and each
/// frame's failure is logged and counted on its own.
/// </para>
/// </remarks>
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
    private readonly int _maxBatch;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<CameraId, FaceFollower> _trackers = new();
    private long _lastProgress;

    // Each detect worker runs ProcessBatch synchronously on one thread at a time: one reusable workspace per thread, no
    // per-frame or per-batch allocation once it has grown.
    [ThreadStatic]
    private static BatchWork? t_work;

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
    /// <param name="maxBatch"><c>Detection:MaxBatch</c>: the most frames a worker takes at once (1: one frame at a time).</param>
    public DetectStage(IFaceDetector detector, CameraCatalog catalog, CameraRegistry registry, PipelineMetrics metrics, ILogger<DetectStage> logger, TimeProvider time, Func<IFaceAnalyzer>? analyzers = null, int redetectEveryFrames = 1, int maxBatch = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(redetectEveryFrames, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatch, 1);
        _redetectEveryFrames = redetectEveryFrames;
        _maxBatch = maxBatch;
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
                loops[i] = Task.Run(() => WorkerAsync(input, output, analyzer, workers, cancellationToken), CancellationToken.None);
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

    /// <summary>
    /// How many frames a worker takes at once: itself plus what waits, shared between the workers (so one worker's batch
    /// does not leave another idle while frames wait), at most <paramref name="maxBatch"/>.
    /// </summary>
    /// <param name="waiting">Frames waiting in the channel after the one the worker took.</param>
    /// <param name="workers">Detect workers reading the channel.</param>
    /// <param name="maxBatch"><c>Detection:MaxBatch</c>.</param>
    /// <returns>The most frames to take, at least 1.</returns>
    internal static int GatherLimit(int waiting, int workers, int maxBatch)
    {
        var share = (Math.Max(waiting, 0) + Math.Max(workers, 1)) / Math.Max(workers, 1); // ceil((1 + waiting) / workers)
        return Math.Clamp(share, 1, Math.Max(maxBatch, 1));
    }

    /// <summary>
    /// Fills <paramref name="batch"/> with <paramref name="first"/> and the frames waiting in <paramref name="input"/>, never
    /// waiting: up to <paramref name="limit"/> frames, and stops at a frame whose camera is already in the batch.
    /// </summary>
    /// <param name="first">The frame the worker took.</param>
    /// <param name="input">The channel.</param>
    /// <param name="limit">The most frames (<see cref="GatherLimit"/>).</param>
    /// <param name="batch">Receives the frames (cleared first).</param>
    /// <returns>The frame that ended the gathering because its camera was in the batch (the next batch starts with it), or <see langword="null"/>.</returns>
    internal static Frame? Gather(Frame first, ChannelReader<Frame> input, int limit, List<Frame> batch)
    {
        batch.Clear();
        batch.Add(first);
        while (batch.Count < limit && input.TryRead(out var next))
        {
            for (var i = 0; i < batch.Count; i++)
            {
                if (batch[i].Camera == next.Camera)
                {
                    return next;
                }
            }

            batch.Add(next);
        }

        return null;
    }

    /// <summary>Gets (creating it on first use) the follower of <paramref name="camera"/>; tests hold its lock as another worker would.</summary>
    /// <param name="camera">The camera.</param>
    /// <returns>The follower.</returns>
    internal FaceFollower FollowerOf(CameraId camera) =>
        _trackers.GetOrAdd(camera, static (_, n) => new FaceFollower(n), _redetectEveryFrames);

    /// <summary>Detects faces in one frame and disposes it: a batch of one (tests call it directly).</summary>
    /// <param name="frame">The frame; this method takes ownership.</param>
    /// <param name="analyzer">The worker's face analyser, if any.</param>
    /// <returns>The observation, or <see langword="null"/> when detection failed (logged and counted).</returns>
    internal FaceObservation? Process(Frame frame, IFaceAnalyzer? analyzer = null)
    {
        var results = new List<FaceObservation?>(1);
        ProcessBatch([frame], analyzer, results);
        return results[0];
    }

    /// <summary>
    /// The loop body: follows or detects each frame, runs every due tile through the detector in one batch, analyses, and
    /// disposes every frame. Callable directly from tests.
    /// </summary>
    /// <param name="frames">The frames, at most one per camera for following to apply to each; this method takes ownership of all.</param>
    /// <param name="analyzer">The worker's face analyser, if any.</param>
    /// <param name="results">Receives one observation per frame in order (cleared first), <see langword="null"/> where it failed (logged and counted).</param>
    internal void ProcessBatch(IReadOnlyList<Frame> frames, IFaceAnalyzer? analyzer, List<FaceObservation?> results)
    {
        ArgumentNullException.ThrowIfNull(frames);
        ArgumentNullException.ThrowIfNull(results);
        results.Clear();
        var work = t_work ??= new BatchWork();
        work.Begin(frames.Count);
        try
        {
            for (var i = 0; i < frames.Count; i++)
            {
                FollowOrQueue(work, i, frames[i], analyzer);
            }

            DetectQueued(work);
            for (var i = 0; i < frames.Count; i++)
            {
                results.Add(Finish(work.Frames[i], analyzer));
            }
        }
        finally
        {
            // Whatever happened, every follower this batch holds is released and every frame is returned.
            for (var i = 0; i < work.Count; i++)
            {
                work.Frames[i].Release();
            }

            for (var i = 0; i < frames.Count; i++)
            {
                frames[i].Dispose();
            }

            work.End();
        }
    }

    /// <summary>
    /// Phase one for one frame (issue 14's per-frame choice): follow the camera's faces by their landmarks when its
    /// <see cref="FaceFollower"/> says so and their fit holds; otherwise queue the frame's tiles for the batch. A camera whose
    /// follower another worker (or an earlier frame of this batch) holds at this moment is simply detected.
    /// </summary>
    private void FollowOrQueue(BatchWork work, int index, Frame frame, IFaceAnalyzer? analyzer)
    {
        var item = work.Frames[index];
        item.Frame = frame;
        item.StartedAt = _time.GetUtcNow();
        var start = _time.GetTimestamp();
        try
        {
            if (analyzer is not null && _redetectEveryFrames > 1)
            {
                var tracker = FollowerOf(frame.Camera);
                if (!work.Holds(tracker, index) && Monitor.TryEnter(tracker))
                {
                    item.Tracker = tracker;
                    var followed = tracker.TryFollow(
                        frame.Width,
                        frame.Height,
                        (Analyzer: analyzer, Frame: frame),
                        static (s, faces) => s.Analyzer.Analyze(s.Frame.Camera, FrameImage.Of(s.Frame), faces));
                    if (followed is { } f)
                    {
                        item.Faces = f.Faces;
                        item.Analyses = f.Analyses;
                        item.Source = FaceSource.Tracked;
                    }
                }
            }

            if (item.Faces is null)
            {
                QueueTiles(work, item);
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // By design: one bad frame must not stop the stage for every camera; Finish logs and counts it.
            item.Error = ex;
        }
        finally
        {
            item.Ticks += _time.GetTimestamp() - start;
        }
    }

    /// <summary>Queues the tiles the detector runs on for one frame: the camera's region or the whole frame, or one per bed.</summary>
    private void QueueTiles(BatchWork work, FrameWork item)
    {
        var frame = item.Frame!;
        item.Due = true;
        item.FirstTile = work.Images.Count;
        var whole = new PixelRect(0, 0, frame.Width, frame.Height);
        if (!_catalog.Current.TryGetValue(frame.Camera, out var settings))
        {
            work.Images.Add(frame, whole);
        }
        else
        {
            // Frame analysis: one tile (the camera's region or the whole frame). Beds analysis: one tile per bed, each a view
            // of the frame's buffer at the beds resolution, so a far bed is searched at its own scale rather than the frame's.
            AnalysisTiles.Split(settings, frame.Width, frame.Height, work.Tiles);
            foreach (var tile in work.Tiles)
            {
                // An I420 view starts on even pixels (one chroma sample per 2x2): the tile is widened to the view the detector
                // really reads, so faces map back to the frame by the right offset.
                work.Images.Add(frame, frame.Format == FramePixelFormat.I420 ? FrameImage.Of(frame).CropOrigin(tile) : tile);
            }
        }

        item.TileCount = work.Images.Count - item.FirstTile;
    }

    /// <summary>Phase two: every queued tile of every due frame through the detector at once, retried frame by frame if the batch fails.</summary>
    private void DetectQueued(BatchWork work)
    {
        var count = work.Images.Count;
        if (count == 0)
        {
            return;
        }

        var start = _time.GetTimestamp();
        var results = work.Results(count);
        try
        {
            using var activity = PainStreamActivities.Source.StartActivity(PainStreamActivities.DetectBatch);
            activity?.SetTag(PainStreamActivities.BatchSizeTag, count);
            work.Images.SetWindow(0, count);
            _detector.DetectBatch(work.Images, results.AsSpan(0, count));
            _metrics.RecordDetectBatch(count);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // By design: one bad tile must not fail the frames batched with it. Each due frame runs alone; those that fail
            // again carry their own error (logged and counted per frame in Finish).
            for (var i = 0; i < work.Count; i++)
            {
                var item = work.Frames[i];
                if (!item.Due || item.Error is not null || item.TileCount == 0)
                {
                    continue;
                }

                try
                {
                    work.Images.SetWindow(item.FirstTile, item.TileCount);
                    _detector.DetectBatch(work.Images, results.AsSpan(item.FirstTile, item.TileCount));
                    _metrics.RecordDetectBatch(item.TileCount);
                }
                catch (Exception single) when (single is not OutOfMemoryException)
                {
                    item.Error = single;
                }
            }
        }

        // Each due frame is charged its share of the run, by tiles.
        var ticks = _time.GetTimestamp() - start;
        for (var i = 0; i < work.Count; i++)
        {
            var item = work.Frames[i];
            if (item.Due)
            {
                item.Ticks += ticks * item.TileCount / count;
            }
        }
    }

    /// <summary>Phase three for one frame: gathers and analyses a due frame's faces, then records and builds its observation.</summary>
    private FaceObservation? Finish(FrameWork item, IFaceAnalyzer? analyzer)
    {
        var frame = item.Frame!;
        var start = _time.GetTimestamp();
        if (item.Error is null && item.Due)
        {
            try
            {
                var faces = Gathered(item, frame);
                var analyses = analyzer?.Analyze(frame.Camera, FrameImage.Of(frame), faces);
                item.Tracker?.Detected(frame.Width, frame.Height, faces, analyses);
                item.Faces = faces;
                item.Analyses = analyses;
                item.Source = FaceSource.Detected;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // By design: as in FollowOrQueue.
                item.Error = ex;
            }
        }

        item.Ticks += _time.GetTimestamp() - start;

        // Whatever the result, the stage made progress: the systemd watchdog and /healthz read this.
        Interlocked.Exchange(ref _lastProgress, _time.GetTimestamp());
        using var activity = PainStreamActivities.Source.StartActivity(PainStreamActivities.DetectFrame, ActivityKind.Internal, parentContext: default, startTime: item.StartedAt);
        activity?.SetTag(PainStreamInstruments.CameraTag, frame.Camera.Value);
        activity?.SetTag(PainStreamActivities.FrameSequenceTag, frame.Sequence);
        if (item.Error is { } error)
        {
            item.Tracker?.Reset();
            _metrics.RecordStageError("detect");
            _logger.DetectFailed(error, frame.Camera.Value, frame.Sequence);
            activity?.SetStatus(ActivityStatusCode.Error, error.Message);
            return null;
        }

        var found = item.Faces!;
        if (analyzer is not null)
        {
            _metrics.RecordFaces(frame.Camera, found.Count, item.Source);
        }

        var duration = _time.GetElapsedTime(0, item.Ticks);
        activity?.SetTag(PainStreamActivities.FacesTag, found.Count);
        _registry.Find(frame.Camera)?.OnProcessed(duration);
        _metrics.RecordDetect(frame.Camera, duration, _time.GetElapsedTime(frame.CaptureTimestamp));
        return new FaceObservation(frame.Camera, frame.Sequence, frame.CapturedAt, frame.CaptureTimestamp, frame.Width, frame.Height, found, duration, _detector.Name)
        {
            Analyses = item.Analyses,
        };
    }

    /// <summary>A due frame's faces in frame coordinates from its tiles' results, best score first across the tiles.</summary>
    private static IReadOnlyList<DetectedFace> Gathered(FrameWork item, Frame frame)
    {
        var results = item.Work.ResultsArray;
        if (item.TileCount == 0)
        {
            return [];
        }

        if (item.TileCount == 1)
        {
            var tile = item.Work.Images.TileOf(item.FirstTile);
            var found = results[item.FirstTile];
            return tile == new PixelRect(0, 0, frame.Width, frame.Height) ? found : ToFrame(found, tile);
        }

        List<DetectedFace>? all = null;
        for (var t = item.FirstTile; t < item.FirstTile + item.TileCount; t++)
        {
            var found = results[t];
            if (found.Count == 0)
            {
                continue;
            }

            var tile = item.Work.Images.TileOf(t);
            all ??= new List<DetectedFace>(found.Count * item.TileCount);
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

    private async Task WorkerAsync(ChannelReader<Frame> input, ChannelWriter<FaceObservation> output, IFaceAnalyzer? analyzer, int workers, CancellationToken cancellationToken)
    {
        var batch = new List<Frame>(_maxBatch);
        var results = new List<FaceObservation?>(_maxBatch);
        Frame? next = null;
        try
        {
            while (true)
            {
                var first = next;
                next = null;
                if (first is null)
                {
                    if (!await input.WaitToReadAsync(cancellationToken))
                    {
                        break;
                    }

                    if (!input.TryRead(out first))
                    {
                        continue; // another worker took it
                    }
                }

                var limit = GatherLimit(input.CanCount ? input.Count : _maxBatch, workers, _maxBatch);
                next = Gather(first, input, limit, batch);
                try
                {
                    ProcessBatch(batch, analyzer, results);
                }
                finally
                {
                    // ProcessBatch has disposed them, whatever happened.
                    batch.Clear();
                }
                foreach (var observation in results)
                {
                    if (observation is not null)
                    {
                        await output.WriteAsync(observation, cancellationToken);
                    }
                }
            }
        }
        finally
        {
            // Cancelled between gathering and processing: the frames taken are still this worker's to return.
            next?.Dispose();
            foreach (var frame in batch)
            {
                frame.Dispose();
            }
        }
    }

    /// <summary>One frame's state through a batch.</summary>
    private sealed class FrameWork(BatchWork work)
    {
        public BatchWork Work { get; } = work;

        public Frame? Frame { get; set; }

        public DateTimeOffset StartedAt { get; set; }

        /// <summary>Gets or sets the time spent on this frame, in <see cref="TimeProvider"/> timestamp units.</summary>
        public long Ticks { get; set; }

        /// <summary>Gets or sets the camera's follower, held (locked) by this batch until <see cref="Release"/>.</summary>
        public FaceFollower? Tracker { get; set; }

        public bool Due { get; set; }

        public int FirstTile { get; set; }

        public int TileCount { get; set; }

        public IReadOnlyList<DetectedFace>? Faces { get; set; }

        public IReadOnlyList<FaceAnalysis>? Analyses { get; set; }

        public FaceSource Source { get; set; }

        public Exception? Error { get; set; }

        public void Release()
        {
            if (Tracker is { } tracker)
            {
                Tracker = null;
                Monitor.Exit(tracker);
            }
        }

        public void Clear()
        {
            Frame = null;
            Ticks = 0;
            Tracker = null;
            Due = false;
            FirstTile = 0;
            TileCount = 0;
            Faces = null;
            Analyses = null;
            Source = FaceSource.Detected;
            Error = null;
        }
    }

    /// <summary>A worker thread's reusable batch state: per-frame slots, the tiles sent to the detector and their results.</summary>
    private sealed class BatchWork
    {
        private readonly List<FrameWork> _frames = [];
        private IReadOnlyList<DetectedFace>[] _results = [];

        public List<FrameWork> Frames => _frames;

        public int Count { get; private set; }

        public TileImages Images { get; } = new();

        public List<PixelRect> Tiles { get; } = new(8);

        public IReadOnlyList<DetectedFace>[] ResultsArray => _results;

        public void Begin(int count)
        {
            while (_frames.Count < count)
            {
                _frames.Add(new FrameWork(this));
            }

            for (var i = 0; i < count; i++)
            {
                _frames[i].Clear();
            }

            Count = count;
            Images.Clear();
        }

        public void End()
        {
            // Drop references to frames and results so nothing outlives the batch through this thread's cache.
            for (var i = 0; i < Count; i++)
            {
                _frames[i].Clear();
            }

            Array.Clear(_results);
            Images.Clear();
            Count = 0;
        }

        /// <summary>Whether an earlier frame of this batch holds <paramref name="tracker"/> (Monitor is re-entrant, so it must be checked).</summary>
        public bool Holds(FaceFollower tracker, int before)
        {
            for (var i = 0; i < before; i++)
            {
                if (ReferenceEquals(_frames[i].Tracker, tracker))
                {
                    return true;
                }
            }

            return false;
        }

        public IReadOnlyList<DetectedFace>[] Results(int count)
        {
            if (_results.Length < count)
            {
                _results = new IReadOnlyList<DetectedFace>[Math.Max(count, _results.Length * 2)];
            }

            return _results;
        }
    }

    /// <summary>The tiles of a batch as the detector's image list: views of the frames' buffers, cut on demand.</summary>
    private sealed class TileImages : IBgrImageBatch
    {
        private readonly List<(Frame Frame, PixelRect Tile)> _tiles = [];
        private int _start;
        private int _count;

        public int Count => _count;

        public void Add(Frame frame, PixelRect tile)
        {
            _tiles.Add((frame, tile));
            _count = _tiles.Count - _start;
        }

        public void Clear()
        {
            _tiles.Clear();
            _start = 0;
            _count = 0;
        }

        /// <summary>Restricts the list the detector sees to <paramref name="count"/> tiles from <paramref name="start"/>.</summary>
        public void SetWindow(int start, int count)
        {
            _start = start;
            _count = count;
        }

        public PixelRect TileOf(int index) => _tiles[index].Tile;

        public BgrImage GetImage(int index) => GetFrameImage(index).Bgr;

        public FrameImage GetFrameImage(int index)
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)_count, nameof(index));
            var (frame, tile) = _tiles[_start + index];
            var image = FrameImage.Of(frame);
            return tile == new PixelRect(0, 0, frame.Width, frame.Height) ? image : image.Crop(tile);
        }
    }
}
