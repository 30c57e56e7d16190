// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Collections.Frozen;
using System.Threading.Channels;
using Microsoft.Extensions.Logging.Abstractions;
using PainStream.Core.Cameras;
using PainStream.Core.Frames;
using PainStream.Testing;

namespace PainStream.Capture.FFmpeg.Tests;

/// <summary>The supervisor: one capture per enabled camera, hot-reload diffs, isolation of failing cameras, no leaks.</summary>
public sealed class CaptureSupervisorTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Supervisor_MalformedUrlAndMissingFile_OfflineWhileOtherCameraKeepsDelivering()
    {
        Requires.Installed(CaptureHarness.FfmpegAvailable, "ffmpeg is not installed");
        var options = CaptureHarness.Options(backoffInitial: 0.05, backoffMax: 0.2);
        var (url, marker) = CaptureHarness.Testsrc();
        var catalog = CaptureHarness.Catalog(
            CaptureHarness.Camera("good", url, options),
            CaptureHarness.Camera("nohost", "rtsp://user:secret@/cam", options),
            CaptureHarness.Camera("missing", "/no/such/dir/clip.mp4", options),
            CaptureHarness.Camera("scheme", "gopher://camera/1", options));
        await using var h = new CaptureHarness();
        var supervisor = h.Supervisor(catalog, options);
        await using (supervisor)
        {
            supervisor.Start();

            var nohost = await h.WaitForStateAsync("nohost", CameraState.Offline, Wait);
            var missing = await h.WaitForStateAsync("missing", CameraState.Offline, Wait);
            var scheme = await h.WaitForStateAsync("scheme", CameraState.Offline, Wait);
            await h.WaitForStateAsync("good", CameraState.Online, Wait);
            await h.WaitForFramesAsync("good", 10, Wait);

            Assert.Equal("malformed RTSP URL (no host): rtsp://***@/cam", nohost.Error);
            Assert.Equal("file not found: /no/such/dir/clip.mp4", missing.Error);
            Assert.StartsWith("unsupported URL scheme 'gopher'", scheme.Error, StringComparison.Ordinal);

            // A second or so of frames later, the bad cameras have been retried several times and the good one never blinked.
            Assert.True(h.Registry.Get(new("nohost")).Reconnects >= 2);
            Assert.True(h.Registry.Get(new("missing")).Reconnects >= 2);
            Assert.Equal(0, h.Registry.Get(new("good")).Reconnects);
            Assert.DoesNotContain(h.Publisher.Statuses.Snapshot(), s => s.Camera.Value == "good" && s.State == CameraState.Offline && s.Error != "starting");
            Assert.Equal(4, supervisor.RunningCameras.Count);
        }

        Assert.True(ProcessScan.Find(marker, "ffmpeg").IsEmpty);
    }

    [Fact]
    public async Task Supervisor_CatalogChanges_StartsStopsAndRestartsOnlyTheCamerasConcerned()
    {
        Requires.Installed(CaptureHarness.FfmpegAvailable, "ffmpeg is not installed");
        var ct = TestContext.Current.CancellationToken;
        var options = CaptureHarness.Options();
        var (urlA, markerA) = CaptureHarness.Testsrc();
        var (urlB, markerB) = CaptureHarness.Testsrc();
        var (urlC, markerC) = CaptureHarness.Testsrc();
        var a = CaptureHarness.Camera("a", urlA, options);
        var b = CaptureHarness.Camera("b", urlB, options);
        var c = CaptureHarness.Camera("c", urlC, options);
        var catalog = CaptureHarness.Catalog(a, b);
        await using var h = new CaptureHarness();
        var supervisor = h.Supervisor(catalog, options);
        await using (supervisor)
        {
            supervisor.Start();
            await h.WaitForFramesAsync("a", 2, Wait);
            await h.WaitForFramesAsync("b", 2, Wait);
            var pidA = Assert.Single(ProcessScan.Find(markerA, "ffmpeg").Live).Pid;

            // Remove b, add c.
            Update(catalog, a, c);
            await supervisor.ReconcileCompletion;
            Assert.Equal(["a", "c"], supervisor.RunningCameras.Select(x => x.Value).Order());
            Assert.True(ProcessScan.Find(markerB, "ffmpeg").IsEmpty);
            Assert.DoesNotContain(new CameraId("b"), h.Registry.Cameras);
            await h.WaitForFramesAsync("c", 2, Wait, h.Frames.Count);
            Assert.Equal(pidA, Assert.Single(ProcessScan.Find(markerA, "ffmpeg").Live).Pid);

            // Change c's rate: c restarts (new process), a is untouched.
            var pidC = Assert.Single(ProcessScan.Find(markerC, "ffmpeg").Live).Pid;
            Update(catalog, a, c with { Fps = 5 });
            await supervisor.ReconcileCompletion;
            var newPidC = Assert.Single((await ProcessScan.WaitForLiveAsync(markerC, Wait, "ffmpeg", ct))).Pid;
            Assert.NotEqual(pidC, newPidC);
            Assert.Null(ProcessScan.Read(pidC));
            Assert.Equal(pidA, Assert.Single(ProcessScan.Find(markerA, "ffmpeg").Live).Pid);

            // A change capture does not care about (the region) restarts nothing.
            Update(catalog, a with { Region = new NormalizedRegion(0, 0, 0.5, 0.5) }, c with { Fps = 5 });
            await supervisor.ReconcileCompletion;
            Assert.Equal(newPidC, Assert.Single(ProcessScan.Find(markerC, "ffmpeg").Live).Pid);
            Assert.Equal(pidA, Assert.Single(ProcessScan.Find(markerA, "ffmpeg").Live).Pid);

            // Disable a: stopped and reported disabled.
            Update(catalog, a with { Enabled = false }, c with { Fps = 5 });
            await supervisor.ReconcileCompletion;
            Assert.Equal(["c"], supervisor.RunningCameras.Select(x => x.Value));
            Assert.True(ProcessScan.Find(markerA, "ffmpeg").IsEmpty);
            Assert.Equal(CameraState.Disabled, h.Registry.Snapshot().Single(s => s.Camera.Value == "a").State);
            Assert.Equal(0, h.Registry.Get(new("a")).Reconnects);

            // How long a stop takes is measured by bench (PainStream.Benchmarks --capture-lifecycle), never asserted here.
            await supervisor.StopAsync();
            Assert.Empty(supervisor.RunningCameras);
        }

        foreach (var marker in new[] { markerA, markerB, markerC })
        {
            Assert.True(ProcessScan.Find(marker, "ffmpeg").IsEmpty);
        }
    }

    [Fact]
    public async Task Supervisor_StoppedWhileChannelFull_NoFrameLeaksAfterDrain()
    {
        Requires.Installed(CaptureHarness.FfmpegAvailable, "ffmpeg is not installed");
        var options = CaptureHarness.Options();
        options.Fps = 25;
        var (url1, _) = CaptureHarness.Testsrc(rate: 25);
        var (url2, _) = CaptureHarness.Testsrc(rate: 25);
        var catalog = CaptureHarness.Catalog(CaptureHarness.Camera("one", url1, options), CaptureHarness.Camera("two", url2, options));

        // Nobody reads: the 2-slot DropOldest channel overflows, and its callback (like PipelineChannels') disposes every
        // evicted frame; here it also signals the test.
        var drops = new Signals<CameraId>();
        var channel = Channel.CreateBounded<Frame>(
            new BoundedChannelOptions(2) { FullMode = BoundedChannelFullMode.DropOldest },
            frame =>
            {
                drops.Add(frame.Camera);
                frame.Dispose();
            });
        await using var h = new CaptureHarness();
        var supervisor = new CaptureSupervisor(catalog, options, h.Pool, h.Registry, channel.Writer, NullLoggerFactory.Instance, TimeProvider.System);
        await using (supervisor)
        {
            supervisor.Start();
            await drops.WaitAsync(c => c.Value == "one", Wait, count: 5, what: "drop");
            await drops.WaitAsync(c => c.Value == "two", Wait, count: 5, what: "drop");
        }

        // Capture has stopped: what is still outstanding is exactly what sits in the channel.
        Assert.InRange(h.Pool.Outstanding, 1, 2);
        Assert.Equal(channel.Reader.Count, h.Pool.Outstanding);
        channel.Writer.TryComplete();
        while (channel.Reader.TryRead(out var frame))
        {
            frame.Dispose();
        }

        Assert.Equal(0, h.Pool.Outstanding);
        Assert.True(h.Pool.Rented >= 12);
    }

    private static void Update(CameraCatalog catalog, params CameraSettings[] cameras) =>
        catalog.Update(cameras.ToFrozenDictionary(static s => s.Camera));
}
