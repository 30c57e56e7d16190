// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Collections.Frozen;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PainStream.Core.Cameras;
using PainStream.Core.Detection;
using PainStream.Core.Frames;
using PainStream.Core.Options;
using PainStream.Core.Pipeline;
using PainStream.Core.Publishing;

namespace PainStream.Capture.FFmpeg.Tests;

/// <summary>What the consumer saw of one frame before disposing it.</summary>
internal sealed record SeenFrame(CameraId Camera, long Sequence, int Width, int Height, int Length, bool AllZero, long ElapsedMs, byte[]? Pixels)
{
    /// <summary>Gets the frame's capture time (in keyframes mode, from the stream timestamps).</summary>
    public DateTimeOffset CapturedAt { get; init; }
}

/// <summary>An append-only list that tests can await conditions on (no Task.Delay polling).</summary>
/// <typeparam name="T">The item type.</typeparam>
internal sealed class Signals<T>
{
    private readonly List<T> _items = [];
    private readonly List<(Func<IReadOnlyList<T>, bool> Done, TaskCompletionSource Tcs)> _waiters = [];

    public int Count
    {
        get
        {
            lock (_items)
            {
                return _items.Count;
            }
        }
    }

    public IReadOnlyList<T> Snapshot()
    {
        lock (_items)
        {
            return [.. _items];
        }
    }

    public void Add(T item)
    {
        List<TaskCompletionSource>? done = null;
        lock (_items)
        {
            _items.Add(item);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Done(_items))
                {
                    (done ??= []).Add(_waiters[i].Tcs);
                    _waiters.RemoveAt(i);
                }
            }
        }

        done?.ForEach(static t => t.TrySetResult());
    }

    /// <summary>Waits until <paramref name="count"/> items after index <paramref name="from"/> match <paramref name="match"/>.</summary>
    public async Task<T> WaitAsync(Func<T, bool> match, TimeSpan timeout, int from = 0, int count = 1, string? what = null)
    {
        bool Done(IReadOnlyList<T> items) => Matches(items, match, from) >= count;
        var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_items)
        {
            if (!Done(_items))
            {
                _waiters.Add((Done, tcs));
            }
            else
            {
                tcs.TrySetResult();
            }
        }

        try
        {
            await tcs.Task.WaitAsync(timeout, TestContext.Current.CancellationToken);
        }
        catch (TimeoutException)
        {
            var seen = Snapshot();
            throw new TimeoutException(
                $"Waited {timeout.TotalSeconds:0.#} s for {count} x {what ?? "item"} after #{from}; saw {seen.Count} items, last: "
                + string.Join(" | ", seen.Skip(Math.Max(0, seen.Count - 5))));
        }

        lock (_items)
        {
            return _items.Skip(from).Where(match).ElementAt(count - 1);
        }
    }

    private static int Matches(IReadOnlyList<T> items, Func<T, bool> match, int from)
    {
        var n = 0;
        for (var i = from; i < items.Count; i++)
        {
            if (match(items[i]))
            {
                n++;
            }
        }

        return n;
    }
}

/// <summary>A publisher whose camera statuses can be awaited.</summary>
internal sealed class SignalingPublisher : IPainStreamPublisher
{
    public Signals<CameraStatus> Statuses { get; } = new();

    public System.Collections.Concurrent.ConcurrentQueue<CameraId> Removed { get; } = new();

    public void PublishCameraStatus(CameraStatus status) => Statuses.Add(status);

    public void RemoveCamera(CameraId camera) => Removed.Enqueue(camera);

    public void PublishFaces(FaceObservation observation)
    {
    }

    public void PublishStats(PainStreamStats stats)
    {
    }
}

/// <summary>
/// The capture side of the daemon in miniature: a frame pool, a registry, the real capture → detect channel
/// (<see cref="PipelineChannels"/>, DropOldest) and a consumer that records and disposes every frame. Disposing it drains
/// the channel and proves that no frame leaked.
/// </summary>
internal sealed class CaptureHarness : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _consumer;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly TaskCompletionSource _consume = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public CaptureHarness(int capacity = 8, bool consume = true, bool keepPixels = false)
    {
        Registry = new CameraRegistry(Publisher, TimeProvider.System);
        Channels = new PipelineChannels(new PipelineOptions { CaptureQueueCapacity = capacity }, Registry);
        KeepPixels = keepPixels;
        if (consume)
        {
            _consume.TrySetResult();
        }

        _consumer = Task.Run(ConsumeAsync);
    }

    public static bool FfmpegAvailable { get; } = File.Exists("/usr/bin/ffmpeg") || FindOnPath("ffmpeg");

    public SignalingPublisher Publisher { get; } = new();

    public CameraRegistry Registry { get; }

    public PipelineChannels Channels { get; }

    public FramePool Pool { get; } = new();

    public Signals<SeenFrame> Frames { get; } = new();

    public bool KeepPixels { get; }

    public long ElapsedMs => _clock.ElapsedMilliseconds;

    /// <summary>Options for fast tests: 10 fps at 320x240, short watchdog and backoff.</summary>
    public static CaptureOptions Options(double stall = 1.5, double backoffInitial = 0.1, double backoffMax = 0.5, double rtspTimeout = 2) => new()
    {
        Fps = 10,
        Width = 320,
        Height = 240,
        StallTimeoutSeconds = stall,
        BackoffInitialSeconds = backoffInitial,
        BackoffMaxSeconds = backoffMax,
        RtspTimeoutSeconds = rtspTimeout,
        DecoderThreads = 1,
    };

    /// <summary>A lavfi test pattern with a marker unique to the caller, for <see cref="Testing.ProcessScan"/>.</summary>
    public static (string Url, string Marker) Testsrc(string size = "320x240", int rate = 10, double? duration = null)
    {
        // A no-op setpts term carries a number unique to the caller into ffmpeg's command line.
        var unique = Random.Shared.Next(100_000, 999_999);
        var marker = string.Create(
            CultureInfo.InvariantCulture,
            $"testsrc=size={size}:rate={rate}{(duration is { } d ? ":duration=" + d.ToString(CultureInfo.InvariantCulture) : string.Empty)},setpts=PTS+0*{unique}");
        return ("lavfi:" + marker, marker);
    }

    public static CameraSettings Camera(string name, string url, CaptureOptions options, bool enabled = true) =>
        new(new CameraId(name), url, enabled, options.Fps, options.Width, options.Height, Region: null) { DecodeMode = options.DecodeMode };

    public CameraCapture Capture(CameraSettings settings, CaptureOptions options, ILogger<CameraCapture>? logger = null) =>
        new(settings, options, Pool, Registry, Channels.FrameWriter, logger ?? NullLogger<CameraCapture>.Instance);

    public CaptureSupervisor Supervisor(CameraCatalog catalog, CaptureOptions options) =>
        new(catalog, options, Pool, Registry, Channels.FrameWriter, NullLoggerFactory.Instance, TimeProvider.System);

    public static CameraCatalog Catalog(params CameraSettings[] cameras)
    {
        var catalog = new CameraCatalog();
        catalog.Update(cameras.ToFrozenDictionary(static c => c.Camera));
        return catalog;
    }

    public void StartConsuming() => _consume.TrySetResult();

    public Task<CameraStatus> WaitForStateAsync(string camera, CameraState state, TimeSpan timeout, int from = 0) =>
        Publisher.Statuses.WaitAsync(s => s.Camera.Value == camera && s.State == state, timeout, from, what: camera + " " + state);

    public Task<SeenFrame> WaitForFramesAsync(string camera, int count, TimeSpan timeout, int from = 0) =>
        Frames.WaitAsync(f => f.Camera.Value == camera, timeout, from, count, camera + " frame");

    [SuppressMessage("Usage", "VSTHRD003:Avoid awaiting foreign Tasks", Justification = "The consumer task was started by this instance; tests have no JoinableTaskFactory.")]
    public async ValueTask DisposeAsync()
    {
        _consume.TrySetResult();
        await _stop.CancelAsync();
        await _consumer;
        Channels.DrainAndDispose();
        _stop.Dispose();
        Assert.Equal(0, Pool.Outstanding);
    }

    private static bool FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':').Any(d => d.Length > 0 && File.Exists(Path.Combine(d, name)));

    private async Task ConsumeAsync()
    {
        try
        {
            await _consume.Task.WaitAsync(_stop.Token);
            await foreach (var frame in Channels.FrameReader.ReadAllAsync(_stop.Token))
            {
                using (frame)
                {
                    var pixels = frame.Pixels;
                    var allZero = !pixels.ContainsAnyExcept((byte)0);
                    Frames.Add(new SeenFrame(frame.Camera, frame.Sequence, frame.Width, frame.Height, frame.Length, allZero, ElapsedMs, KeepPixels ? pixels.ToArray() : null) { CapturedAt = frame.CapturedAt });
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The harness is being disposed.
        }
    }
}
