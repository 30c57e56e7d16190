// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;
using Microsoft.Extensions.Logging.Abstractions;
using PainStream.Capture.FFmpeg;
using PainStream.Core.Cameras;
using PainStream.Core.Detection;
using PainStream.Core.Frames;
using PainStream.Core.Options;
using PainStream.Core.Publishing;
using PainStream.Testing;

namespace PainStream.Benchmarks;

/// <summary>
/// <c>PainStream.Benchmarks --capture-lifecycle [--rounds N]</c>: the two wall-clock figures the capture and end-to-end tests
/// used to assert (issue 15, item 6: performance is measured here, never asserted in a timed test). <b>stop</b>: how long
/// <see cref="CameraCapture.StopAsync"/> takes with ffmpeg streaming a lavfi pattern (the tests asserted under 2 s).
/// <b>offline</b>: how long after its RTSP server is killed a camera is reported offline (the end-to-end test asserted
/// within 5 s). Real ffmpeg and the real GStreamer RTSP server (<see cref="RtspServer"/>); each round starts a fresh capture
/// (not timed). Operations last tenths of a second to seconds, too long for BenchmarkDotNet's in-process runner, so this is
/// a plain timed loop like <c>--batcher-latency</c>.
/// </summary>
internal static class CaptureLifecycle
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

    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);

    /// <summary>Runs both measurements and prints a Markdown table.</summary>
    /// <param name="args">The options after <c>--capture-lifecycle</c>: <c>--rounds N</c> (default 10).</param>
    /// <param name="cancellationToken">Stops the run.</param>
    /// <returns>The exit code: 0, or 64 on bad arguments.</returns>
    public static async Task<int> RunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var rounds = 10;
        for (var i = 0; i < args.Count; i++)
        {
            if (args[i] == "--rounds" && i + 1 < args.Count && int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out rounds) && rounds > 0)
            {
                i++;
            }
            else
            {
                await Console.Error.WriteLineAsync($"--capture-lifecycle: unexpected '{args[i]}' (usage: --capture-lifecycle [--rounds N], N > 0)");
                return 64;
            }
        }

        var stops = new List<double>();
        var offlines = new List<double>();
        for (var r = 0; r < rounds; r++)
        {
            await using (var run = await Run.StartAsync("lavfi:testsrc=size=320x240:rate=10", server: null, cancellationToken))
            {
                var clock = Stopwatch.StartNew();
                await run.Capture.StopAsync();
                stops.Add(clock.Elapsed.TotalMilliseconds);
            }

            var rtsp = await RtspServer.StartAsync(width: 320, height: 240, cancellationToken: cancellationToken);
            await using (var run = await Run.StartAsync(rtsp.Url, rtsp, cancellationToken))
            {
                var offline = run.Statuses.NextAsync(CameraState.Offline);
                var clock = Stopwatch.StartNew();
                await rtsp.KillAsync();
                await offline.WaitAsync(Guard, cancellationToken);
                offlines.Add(clock.Elapsed.TotalMilliseconds);
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[capture-lifecycle] round {r + 1}/{rounds}: stop {stops[^1]:F0} ms, offline {offlines[^1]:F0} ms"));
        }

        Console.WriteLine();
        Console.WriteLine($"| measure ({rounds} rounds, ms) | min | median | p95 | max |");
        Console.WriteLine("|---|---:|---:|---:|---:|");
        Print("CameraCapture.StopAsync while streaming", stops);
        Print("RTSP server killed -> camera offline", offlines);
        return 0;
    }

    private static void Print(string name, List<double> values)
    {
        values.Sort();
        double At(double q) => values[Math.Min(values.Count - 1, (int)Math.Ceiling(q * values.Count) - 1)];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {values[0]:F0} | {At(0.5):F0} | {At(0.95):F0} | {values[^1]:F0} |"));
    }

    /// <summary>One capture of one camera with a consumer that disposes every frame.</summary>
    private sealed class Run : IAsyncDisposable
    {
        private readonly Channel<Frame> _frames;
        private readonly Task _drain;
        private readonly RtspServer? _server;

        private Run(StatusSignal statuses, Channel<Frame> frames, Task drain, CameraCapture capture, RtspServer? server)
        {
            Statuses = statuses;
            _frames = frames;
            _drain = drain;
            Capture = capture;
            _server = server;
        }

        public StatusSignal Statuses { get; }

        public CameraCapture Capture { get; }

        public static async Task<Run> StartAsync(string url, RtspServer? server, CancellationToken cancellationToken)
        {
            var statuses = new StatusSignal();
            var frames = Channel.CreateBounded<Frame>(new BoundedChannelOptions(8) { FullMode = BoundedChannelFullMode.DropOldest }, f => f.Dispose());
            var drain = Task.Run(
                async () =>
                {
                    await foreach (var frame in frames.Reader.ReadAllAsync(CancellationToken.None))
                    {
                        frame.Dispose();
                    }
                },
                CancellationToken.None);
            var registry = new CameraRegistry(statuses, TimeProvider.System);
            var online = statuses.NextAsync(CameraState.Online);
            var settings = new CameraSettings(new CameraId("bench"), url, Enabled: true, Options.Fps, Options.Width, Options.Height, Region: null);
            var capture = new CameraCapture(settings, Options, new FramePool(), registry, frames.Writer, NullLogger<CameraCapture>.Instance);
            var run = new Run(statuses, frames, drain, capture, server);
            capture.Start();
            await online.WaitAsync(Guard, cancellationToken);
            return run;
        }

        [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "VSTHRD003:Avoid awaiting foreign Tasks", Justification = "The drain task was started by this instance.")]
        public async ValueTask DisposeAsync()
        {
            await Capture.DisposeAsync();
            _frames.Writer.TryComplete();
            await _drain;
            if (_server is not null)
            {
                await _server.DisposeAsync();
            }
        }
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
                _waiting.RemoveAll(w =>
                {
                    var match = w.State == status.State;
                    if (match)
                    {
                        w.Done.TrySetResult();
                    }

                    return match;
                });
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
