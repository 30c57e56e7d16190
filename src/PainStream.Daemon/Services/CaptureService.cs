// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Capture.FFmpeg;
using PainStream.Core.Cameras;
using PainStream.Core.Frames;
using PainStream.Core.Options;
using PainStream.Core.Pipeline;

namespace PainStream.Daemon.Services;

/// <summary>Hosts the capture supervisor: one ffmpeg process per enabled camera, following the camera catalog's hot reloads.</summary>
internal sealed class CaptureService : IHostedService, IAsyncDisposable
{
    private readonly CaptureSupervisor _supervisor;

    public CaptureService(CameraCatalog catalog, CaptureOptions options, FramePool pool, CameraRegistry registry, PipelineChannels channels, ILoggerFactory loggerFactory, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(channels);
        _supervisor = new CaptureSupervisor(catalog, options, pool, registry, channels.FrameWriter, loggerFactory, time);
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _supervisor.Start();
        return Task.CompletedTask;
    }

    // Kills and reaps every ffmpeg process; the pipeline service (stopped next) drains what is queued.
    public Task StopAsync(CancellationToken cancellationToken) => _supervisor.StopAsync();

    public ValueTask DisposeAsync() => _supervisor.DisposeAsync();
}
