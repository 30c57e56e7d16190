// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Frames;

namespace PainStream.Core.Cameras;

/// <summary>Per-camera counters: the single source for metrics, the stats message and the status fps.</summary>
/// <remarks>Counters are updated with <see cref="Interlocked"/>; state fields are guarded by <see cref="Gate"/>.</remarks>
public sealed class CameraCounters
{
    private const double FpsWindowSeconds = 5;

    private readonly TimeProvider _time;
    private long _captured;
    private long _dropped;
    private long _processed;
    private long _reconnects;
    private long _lastFrameUnixMs = -1;
    private long _detectTicksTotal;

    // Frames counted in the current and previous fps windows (a two-bucket rate estimate, good enough for a status line).
    private long _windowStartTimestamp;
    private long _windowCount;
    private double _fps;
    private long _keyframeIntervalMicros = -1;
    private int _decodeMode;

    internal CameraCounters(CameraId camera, TimeProvider time)
    {
        Camera = camera;
        _time = time;
        _windowStartTimestamp = time.GetTimestamp();
        Since = time.GetUtcNow();
    }

    /// <summary>Gets the camera.</summary>
    public CameraId Camera { get; }

    /// <summary>Gets the frames read from ffmpeg.</summary>
    public long Captured => Interlocked.Read(ref _captured);

    /// <summary>Gets the frames dropped on the capture → detect edge because detection could not keep up.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Gets the frames that went through detection.</summary>
    public long Processed => Interlocked.Read(ref _processed);

    /// <summary>Gets how many times capture was restarted.</summary>
    public long Reconnects => Interlocked.Read(ref _reconnects);

    /// <summary>Gets the mean detection time over every processed frame, in milliseconds.</summary>
    public double MeanDetectMilliseconds
    {
        get
        {
            var n = Processed;
            return n == 0 ? 0 : TimeSpan.FromTicks(Interlocked.Read(ref _detectTicksTotal) / n).TotalMilliseconds;
        }
    }

    /// <summary>Gets the camera state (1 online, 0 otherwise) for the <c>camera.up</c> gauge.</summary>
    public int Up => State == CameraState.Online ? 1 : 0;

    /// <summary>
    /// Gets what capture last reported about the camera: <see langword="true"/> online (frames flow), <see langword="false"/>
    /// offline (a session failed, stalled or never delivered a first frame), or <see langword="null"/> when it has reported
    /// nothing yet (starting, just enabled, disabled, or stopped by PainStream itself). Only a reported outage is an alarm.
    /// </summary>
    public bool? CaptureOnline
    {
        get
        {
            lock (Gate)
            {
                return State == CameraState.Online ? true : OutageReported ? false : null;
            }
        }
    }

    internal object Gate { get; } = new();

    // Whether the current offline state is an outage reported by capture (not the initial state nor PainStream's own stop).
    internal bool OutageReported { get; set; }

    internal CameraState State { get; set; } = CameraState.Offline;

    internal string? Error { get; set; } = "starting";

    internal DateTimeOffset Since { get; set; }

    internal bool Removed { get; set; }

    /// <summary>Counts a captured frame.</summary>
    public void OnCaptured()
    {
        Interlocked.Increment(ref _captured);
        Interlocked.Exchange(ref _lastFrameUnixMs, _time.GetUtcNow().ToUnixTimeMilliseconds());
        lock (Gate)
        {
            _windowCount++;
            var elapsed = _time.GetElapsedTime(_windowStartTimestamp).TotalSeconds;
            if (elapsed >= FpsWindowSeconds)
            {
                _fps = _windowCount / elapsed;
                _windowCount = 0;
                _windowStartTimestamp = _time.GetTimestamp();
            }
        }
    }

    /// <summary>Gets or sets what the camera's ffmpeg decodes (set by capture at each session start).</summary>
    public DecodeMode DecodeMode
    {
        get => (DecodeMode)Volatile.Read(ref _decodeMode);
        set => Volatile.Write(ref _decodeMode, (int)value);
    }

    /// <summary>
    /// Gets or sets the measured keyframe interval in seconds, or <see langword="null"/> when not measured (all-frames mode or
    /// too few key frames yet). Reported in the retained status and the <c>painstream.camera.keyframe_interval</c> gauge.
    /// </summary>
    public double? KeyframeIntervalSeconds
    {
        get
        {
            var micros = Interlocked.Read(ref _keyframeIntervalMicros);
            return micros < 0 ? null : micros / 1e6;
        }

        set => Interlocked.Exchange(ref _keyframeIntervalMicros, value is { } v && v >= 0 ? (long)Math.Round(v * 1e6) : -1);
    }

    /// <summary>Counts a frame evicted from the capture channel.</summary>
    public void OnDropped() => Interlocked.Increment(ref _dropped);

    /// <summary>Counts a frame that went through detection.</summary>
    /// <param name="duration">How long detection took.</param>
    public void OnProcessed(TimeSpan duration)
    {
        Interlocked.Increment(ref _processed);
        Interlocked.Add(ref _detectTicksTotal, duration.Ticks);
    }

    /// <summary>Counts a capture restart.</summary>
    public void OnReconnect() => Interlocked.Increment(ref _reconnects);

    internal CameraStatus ToStatus()
    {
        lock (Gate)
        {
            var last = Interlocked.Read(ref _lastFrameUnixMs);
            var online = State == CameraState.Online;
            var fps = online ? (_fps > 0 ? _fps : _windowCount / Math.Max(_time.GetElapsedTime(_windowStartTimestamp).TotalSeconds, 1)) : 0;
            return new CameraStatus(
                Camera,
                State,
                Math.Round(fps, 2),
                last < 0 ? null : DateTimeOffset.FromUnixTimeMilliseconds(last),
                Reconnects,
                online ? null : Error,
                Since)
            {
                DecodeMode = DecodeMode,
                KeyframeIntervalSeconds = KeyframeIntervalSeconds is { } k ? Math.Round(k, 3) : null,
            };
        }
    }
}
