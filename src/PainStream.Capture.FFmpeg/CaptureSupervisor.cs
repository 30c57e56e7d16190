// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using PainStream.Core.Cameras;
using PainStream.Core.Frames;
using PainStream.Core.Options;

namespace PainStream.Capture.FFmpeg;

/// <summary>
/// Runs one <see cref="CameraCapture"/> per enabled camera of the <see cref="CameraCatalog"/> and follows the catalog's
/// hot reloads: added cameras start, removed ones stop (and leave the registry), cameras whose capture settings changed
/// restart, disabled ones stop and are reported disabled; unchanged cameras are never touched.
/// </summary>
/// <remarks>
/// Catalog changes are applied one at a time in the order they arrive, always from the catalog's latest snapshot, so a
/// burst of reloads converges on the last one. Only the URL, the analysis rate, the analysis size and the decode mode restart a camera;
/// the region of interest is read by the detect stage and does not concern capture. <see cref="StopAsync"/> returns after
/// every ffmpeg process has been killed and reaped. Thread-safe.
/// </remarks>
public sealed class CaptureSupervisor : IAsyncDisposable
{
    private readonly CameraCatalog _catalog;
    private readonly CaptureOptions _options;
    private readonly FramePool _pool;
    private readonly CameraRegistry _registry;
    private readonly ChannelWriter<Frame> _writer;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();

    // Owned by the reconcile chain (one reconcile runs at a time); read under _gate for RunningCameras.
    private readonly Dictionary<CameraId, CameraCapture> _running = [];
    private FrozenDictionary<CameraId, CameraSettings> _applied = FrozenDictionary<CameraId, CameraSettings>.Empty;
    private Task _reconcile = Task.CompletedTask;
    private bool _started;
    private bool _stopped;

    /// <summary>Initializes a new instance of the <see cref="CaptureSupervisor"/> class. Call <see cref="Start"/> to begin.</summary>
    /// <param name="catalog">The cameras, followed on every <see cref="CameraCatalog.Changed"/>.</param>
    /// <param name="options">Capture options shared by every camera.</param>
    /// <param name="pool">Where frame buffers are rented.</param>
    /// <param name="registry">Camera state and counters.</param>
    /// <param name="writer">The capture → detect channel (DropOldest; its drop callback counts and disposes).</param>
    /// <param name="loggerFactory">Creates the loggers.</param>
    /// <param name="time">The clock for watchdogs and backoff delays.</param>
    public CaptureSupervisor(
        CameraCatalog catalog,
        CaptureOptions options,
        FramePool pool,
        CameraRegistry registry,
        ChannelWriter<Frame> writer,
        ILoggerFactory loggerFactory,
        TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        ArgumentNullException.ThrowIfNull(time);
        _catalog = catalog;
        _options = options;
        _pool = pool;
        _registry = registry;
        _writer = writer;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<CaptureSupervisor>();
        _time = time;
    }

    /// <summary>Gets the cameras whose capture is currently running.</summary>
    public IReadOnlyCollection<CameraId> RunningCameras
    {
        get
        {
            lock (_gate)
            {
                return [.. _running.Keys];
            }
        }
    }

    /// <summary>Gets the task of the latest scheduled catalog reconcile (tests await it after <see cref="CameraCatalog.Update"/>).</summary>
    internal Task ReconcileCompletion
    {
        [SuppressMessage("Usage", "VSTHRD003:Avoid awaiting foreign Tasks", Justification = "A worker has no SynchronizationContext or JoinableTaskFactory; the task was started by this instance.")]
        get
        {
            lock (_gate)
            {
                return _reconcile;
            }
        }
    }

    /// <summary>Starts capture of the catalog's enabled cameras and subscribes to its changes. Calling it again does nothing.</summary>
    /// <exception cref="ObjectDisposedException">The supervisor was stopped.</exception>
    public void Start()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_stopped, this);
            if (_started)
            {
                return;
            }

            _started = true;
            _catalog.Changed += OnCatalogChanged;
        }

        ScheduleReconcile();
    }

    /// <summary>Stops every camera and waits until all their ffmpeg processes have exited and been reaped. Idempotent.</summary>
    /// <returns>A task that completes when capture has stopped.</returns>
    public async Task StopAsync()
    {
        Task pending;
        lock (_gate)
        {
            if (!_stopped)
            {
                _stopped = true;
                _catalog.Changed -= OnCatalogChanged;
            }

            pending = _reconcile;
        }

        await pending;
        CameraCapture[] captures;
        lock (_gate)
        {
            captures = [.. _running.Values];
            _running.Clear();
        }

        if (captures.Length > 0)
        {
            await Task.WhenAll(captures.Select(static c => c.DisposeAsync().AsTask()));

            // Dashboards read the retained per-camera status: it must not keep saying "online" after we stopped watching.
            // Not an outage, though: the beds must not raise camera-offline alarms while the pipeline drains.
            foreach (var capture in captures)
            {
                _registry.SetStopped(capture.Camera, "PainStream stopped");
            }

            _logger.SupervisorStopped(captures.Length);
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync() => await StopAsync();

    /// <summary>Brings the running captures in line with <paramref name="cameras"/> (the diff described on the type).</summary>
    /// <param name="cameras">The desired cameras.</param>
    /// <returns>A task that completes when stopped cameras have been reaped and new ones started.</returns>
    internal async Task ReconcileAsync(FrozenDictionary<CameraId, CameraSettings> cameras)
    {
        var stopping = new List<(CameraCapture Capture, CameraSettings? Next)>();
        var starting = new List<CameraSettings>();
        lock (_gate)
        {
            foreach (var (id, capture) in _running)
            {
                if (!cameras.TryGetValue(id, out var next))
                {
                    stopping.Add((capture, null));
                }
                else if (!next.Enabled || !SameCapture(capture.Settings, next))
                {
                    stopping.Add((capture, next));
                }
            }

            foreach (var (capture, _) in stopping)
            {
                _running.Remove(capture.Camera);
            }

            foreach (var settings in cameras.Values)
            {
                if (settings.Enabled && !_running.ContainsKey(settings.Camera))
                {
                    starting.Add(settings);
                }
            }
        }

        // Stop first (in parallel) so that a restarted camera never has two ffmpeg processes at once.
        await Task.WhenAll(stopping.Select(static s => s.Capture.DisposeAsync().AsTask()));

        foreach (var id in _applied.Keys)
        {
            if (!cameras.ContainsKey(id))
            {
                // Forget it only after its loop has ended, so that the loop cannot re-create the entry.
                _registry.Remove(id);
                _logger.CameraRemoved(id.Value);
            }
        }

        foreach (var settings in cameras.Values)
        {
            if (!settings.Enabled)
            {
                if (!_applied.TryGetValue(settings.Camera, out var before) || before.Enabled)
                {
                    _logger.CameraDisabled(settings.Camera.Value);
                }

                _registry.SetDisabled(settings.Camera);
            }
        }

        foreach (var settings in starting)
        {
            if (_applied.TryGetValue(settings.Camera, out var before) && before.Enabled)
            {
                _logger.CameraChanged(settings.Camera.Value);
            }
            else
            {
                _logger.CameraAdded(settings.Camera.Value);
            }

            var capture = new CameraCapture(settings, _options, _pool, _registry, _writer, _loggerFactory.CreateLogger<CameraCapture>(), _time);
            lock (_gate)
            {
                _running[settings.Camera] = capture;
            }

            capture.Start();
        }

        _applied = cameras;
    }

    private static bool SameCapture(CameraSettings a, CameraSettings b) =>
        string.Equals(a.Url, b.Url, StringComparison.Ordinal) && a.Fps.Equals(b.Fps) && a.Width == b.Width && a.Height == b.Height && a.Enabled == b.Enabled
        && a.DecodeMode == b.DecodeMode && a.Analysis == b.Analysis;

    private void OnCatalogChanged(object? sender, EventArgs e) => ScheduleReconcile();

    private void ScheduleReconcile()
    {
        lock (_gate)
        {
            if (_stopped)
            {
                return;
            }

            _reconcile = ReconcileAfterAsync(_reconcile);
        }
    }

    [SuppressMessage("Usage", "VSTHRD003:Avoid awaiting foreign Tasks", Justification = "A worker has no SynchronizationContext or JoinableTaskFactory; the task was started by this instance.")]
    private async Task ReconcileAfterAsync(Task previous)
    {
        // Yield even when the previous reconcile has finished: the catalog's Changed handler must not run the diff (which
        // awaits process exits) on the thread that updated the catalog, nor while holding _gate.
        await previous.ConfigureAwait(ConfigureAwaitOptions.ForceYielding | ConfigureAwaitOptions.SuppressThrowing);
        try
        {
            await ReconcileAsync(_catalog.Current);
        }
        catch (Exception ex)
        {
            // By design: a failed reload leaves running cameras as they were; the next catalog change tries again.
            _logger.ReconcileFailed(ex);
        }
    }
}
