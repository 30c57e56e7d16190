// Copyright (c) PainStream contributors. Licensed under the MIT License.

using Microsoft.Extensions.Logging;

namespace PainStream.Capture.FFmpeg;

/// <summary>
/// Source-generated log messages of PainStream.Capture.FFmpeg. Event ids 2000–2999 (docs/event-ids.md).
/// URLs are only ever logged redacted; offline reasons are redacted where they are built.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(2001, LogLevel.Information, "Capture of camera {CameraId} starting from {Url}")]
    public static partial void CaptureStarting(this ILogger logger, string cameraId, string url);

    [LoggerMessage(2002, LogLevel.Debug, "Camera {CameraId}: ffmpeg session {Session} started as process {ProcessId}")]
    public static partial void FfmpegStarted(this ILogger logger, string cameraId, long session, int processId);

    [LoggerMessage(2003, LogLevel.Information, "Camera {CameraId} online (ffmpeg process {ProcessId})")]
    public static partial void CameraOnline(this ILogger logger, string cameraId, int processId);

    [LoggerMessage(2004, LogLevel.Warning, "Camera {CameraId} offline: {Reason}; retrying in {DelaySeconds:0.0} s")]
    public static partial void CameraOffline(this ILogger logger, string cameraId, string reason, double delaySeconds);

    [LoggerMessage(2005, LogLevel.Debug, "Camera {CameraId} still offline: {Reason}; retry {Attempt} in {DelaySeconds:0.0} s")]
    public static partial void CameraStillOffline(this ILogger logger, string cameraId, string reason, double delaySeconds, int attempt);

    [LoggerMessage(2006, LogLevel.Error, "Capture loop of camera {CameraId} failed unexpectedly; it will be restarted")]
    public static partial void CaptureFaulted(this ILogger logger, Exception exception, string cameraId);

    [LoggerMessage(2007, LogLevel.Information, "Capture of camera {CameraId} stopped")]
    public static partial void CaptureStopped(this ILogger logger, string cameraId);

    [LoggerMessage(2010, LogLevel.Information, "Camera {CameraId} added: starting capture")]
    public static partial void CameraAdded(this ILogger logger, string cameraId);

    [LoggerMessage(2011, LogLevel.Information, "Camera {CameraId} removed: capture stopped")]
    public static partial void CameraRemoved(this ILogger logger, string cameraId);

    [LoggerMessage(2012, LogLevel.Information, "Camera {CameraId} changed: restarting capture")]
    public static partial void CameraChanged(this ILogger logger, string cameraId);

    [LoggerMessage(2013, LogLevel.Information, "Camera {CameraId} disabled")]
    public static partial void CameraDisabled(this ILogger logger, string cameraId);

    [LoggerMessage(2014, LogLevel.Error, "Applying the camera list failed; running cameras are left as they were")]
    public static partial void ReconcileFailed(this ILogger logger, Exception exception);

    [LoggerMessage(2015, LogLevel.Information, "Capture supervisor stopped {Count} cameras")]
    public static partial void SupervisorStopped(this ILogger logger, int count);

    [LoggerMessage(2016, LogLevel.Warning, "Camera {CameraId} sends a key frame every {IntervalSeconds:0.##} s, longer than Capture:MaxKeyframeIntervalSeconds ({MaxSeconds:0.##} s): in keyframes mode it is analysed that rarely; set a 1 s GOP (I-frame interval) on the camera")]
    public static partial void KeyframeIntervalTooLong(this ILogger logger, string cameraId, double intervalSeconds, double maxSeconds);

    [LoggerMessage(2017, LogLevel.Information, "Camera {CameraId}: key frame every {IntervalSeconds:0.###} s (keyframes decode mode)")]
    public static partial void KeyframeIntervalMeasured(this ILogger logger, string cameraId, double intervalSeconds);

    [LoggerMessage(2018, LogLevel.Warning, "Camera {CameraId}: the stall watchdog woke {LateSeconds:0.0} s late (PainStream itself was paused or starved); the camera is given a fresh timeout instead of being reported offline")]
    public static partial void DaemonPaused(this ILogger logger, string cameraId, double lateSeconds);
}
