// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Threading.Channels;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using PainStream.Capture.FFmpeg;
using PainStream.Core.Cameras;
using PainStream.Core.Detection;
using PainStream.Core.Frames;
using PainStream.Core.Options;
using PainStream.Core.Publishing;
using PainStream.Testing;

namespace PainStream.Benchmarks;

// BenchmarkDotNet calls iteration set-up and clean-up synchronously on a thread without a synchronization context.
#pragma warning disable VSTHRD002

/// <summary>
/// The two wall-clock figures the capture and end-to-end tests used to assert (issue 15, item 6: performance is measured
/// here, never asserted in a timed test): how long <see cref="CameraCapture.StopAsync"/> takes with ffmpeg streaming
/// (the tests asserted under 2 s), and how long a camera takes to be reported offline after its RTSP server dies (the
/// end-to-end test asserted within 5 s). One operation is one stop, or one server death until the offline status.
/// </summary>
/// <remarks>
/// Real ffmpeg and the real GStreamer RTSP server (<see cref="RtspServer"/>); each operation starts a fresh capture in the
/// iteration set-up (one invocation per iteration, about 2 s each), so use the <c>short</c> preset:
/// <c>--preset short --filter '*CaptureLifecycle*'</c>.
/// </remarks>
public class CaptureLifecycleBenchmarks
{
    private static readonly CaptureOptions Options = new()
    {
        Fps = 10,
        Width = 320,
        Height = 240,
        StallTimeoutSeconds = 1.5,
        BackoffInitialSeconds = 0.1,
        BackoffMaxSeconds = 0.5,
        RtspTimeoutSeconds = 2,
        DecoderThreads = 1,
    };

    private readonly FramePool _pool = new();
    private StatusSignal _statuses = null!;
    private Channel<Frame> _frames = null!;
    private Task _drain = Task.CompletedTask;
    private CameraCapture _capture = null!;
    private RtspServer? _server;

    /// <summary>Starts a lavfi capture and waits for it to stream (not measured).</summary>
    [IterationSetup(Target = nameof(StopAsync))]
    public void SetupStop() => StartCapture("lavfi:testsrc=size=320x240:rate=10");

    /// <summary>Stops the streaming capture: ffmpeg killed and reaped, the read loop ended.</summary>
    /// <returns>A task that completes when the capture has stopped.</returns>
    [Benchmark(Description = "CameraCapture.StopAsync while streaming")]
    public Task StopAsync() => _capture.StopAsync();

    /// <summary>Starts an RTSP server and a capture reading it, and waits for it to stream (not measured).</summary>
    [IterationSetup(Target = nameof(OfflineAfterServerDiesAsync))]
    public void SetupOffline()
    {
        _server = RtspServer.StartAsync(width: 320, height: 240).GetAwaiter().GetResult();
        StartCapture(_server.Url);
    }

    /// <summary>Kills the RTSP server and waits until the camera is reported offline.</summary>
    /// <returns>A task that completes when the offline status is published.</returns>
    [Benchmark(Description = "RTSP server killed -> camera offline")]
    public async Task OfflineAfterServerDiesAsync()
    {
        var offline = _statuses.NextAsync(CameraState.Offline);
        await _server!.KillAsync();
        await offline.WaitAsync(TimeSpan.FromSeconds(60));
    }

    /// <summary>Stops whatever the operation left running (not measured).</summary>
    [IterationCleanup]
    public void Cleanup()
    {
        _capture.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _frames.Writer.TryComplete();
        _drain.GetAwaiter().GetResult();
        if (_server is not null)
        {
            _server.DisposeAsync().AsTask().GetAwaiter().GetResult();
            _server = null;
        }
    }

    private void StartCapture(string url)
    {
        _statuses = new StatusSignal();
        _frames = Channel.CreateBounded<Frame>(new BoundedChannelOptions(8) { FullMode = BoundedChannelFullMode.DropOldest }, f => f.Dispose());
        _drain = Task.Run(async () =>
        {
            await foreach (var frame in _frames.Reader.ReadAllAsync())
            {
                frame.Dispose();
            }
        });
        var registry = new CameraRegistry(_statuses, TimeProvider.System);
        var online = _statuses.NextAsync(CameraState.Online);
        var settings = new CameraSettings(new CameraId("bench"), url, Enabled: true, Options.Fps, Options.Width, Options.Height, Region: null);
        _capture = new CameraCapture(settings, Options, _pool, registry, _frames.Writer, NullLogger<CameraCapture>.Instance);
        _capture.Start();
        online.WaitAsync(TimeSpan.FromSeconds(60)).GetAwaiter().GetResult();
    }

    /// <summary>Completes a task when the camera reaches a state.</summary>
    private sealed class StatusSignal : IPainStreamPublisher
    {
        private readonly Lock _gate = new();
        private readonly List<(CameraState State, TaskCompletionSource Done)> _waiting = [];

        public Task NextAsync(CameraState state)
        {
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_gate)
            {
                _waiting.Add((state, done));
            }

            return done.Task;
        }

        public void PublishCameraStatus(CameraStatus status)
        {
            lock (_gate)
            {
                foreach (var (state, done) in _waiting.Where(w => w.State == status.State).ToList())
                {
                    done.TrySetResult();
                    _waiting.Remove((state, done));
                }
            }
        }

        public void RemoveCamera(CameraId camera)
        {
        }

        public void PublishFaces(FaceObservation observation)
        {
        }

        public void PublishStats(PainStreamStats stats)
        {
        }
    }
}
