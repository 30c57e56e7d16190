// Copyright (c) PainStream contributors. Licensed under the MIT License.


namespace PainStream.Daemon;

/// <summary>Source-generated log messages of the daemon. Event ids 5000–5999 (docs/event-ids.md).</summary>
internal static partial class Log
{
    [LoggerMessage(5001, LogLevel.Information, "PainStream starting: home {Home}, config {ConfigFile}, {CameraCount} camera(s): {Cameras}")]
    public static partial void Starting(this ILogger logger, string home, string configFile, int cameraCount, string cameras);

    [LoggerMessage(5002, LogLevel.Information, "Pipeline stopped: {Disposed} queued frame(s) returned, {Outstanding} frame buffer(s) still rented")]
    public static partial void PipelineStopped(this ILogger logger, int disposed, long outstanding);

    [LoggerMessage(5003, LogLevel.Error, "Configuration reload rejected, keeping the last good configuration: {Problems}")]
    public static partial void ReloadRejected(this ILogger logger, string problems);

    [LoggerMessage(5004, LogLevel.Information, "Configuration reloaded: cameras now {Cameras}")]
    public static partial void ReloadApplied(this ILogger logger, string cameras);

    [LoggerMessage(5005, LogLevel.Warning, "Configuration key {Section} changed on disk; it takes effect only after a restart")]
    public static partial void RestartNeeded(this ILogger logger, string section);

    [LoggerMessage(5006, LogLevel.Information, "Playing the demo clip {Path} as camera 'demo' (no camera configured)")]
    public static partial void DemoCamera(this ILogger logger, string path);

    [LoggerMessage(5007, LogLevel.Warning, "The demo clip {Path} does not exist: run scripts/setup to make it")]
    public static partial void DemoClipMissing(this ILogger logger, string path);

    [LoggerMessage(5008, LogLevel.Information, "Health and metrics on {Url} (/healthz, /readyz, /metrics)")]
    public static partial void HttpListening(this ILogger logger, string url);

    [LoggerMessage(5009, LogLevel.Information, "Infant model {Name} loaded from {Path} on {Provider} (infant beds score FLACC 0–10)")]
    public static partial void InfantModelLoaded(this ILogger logger, string name, string path, string provider);

    [LoggerMessage(5050, LogLevel.Information, "An MQTT broker already listens on 127.0.0.1:{Port} (Mqtt:EmbeddedPort): publishing to it instead of starting the embedded broker")]
    public static partial void ExistingBrokerUsed(this ILogger logger, int port);

    [LoggerMessage(5051, LogLevel.Debug, "Start-up failure in detail")]
    public static partial void StartupFailedDetail(this ILogger logger, Exception exception);

    [LoggerMessage(5052, LogLevel.Critical, "{Service} failed; the daemon stops")]
    public static partial void ServiceFailed(this ILogger logger, string service, Exception? exception);

    [LoggerMessage(5100, LogLevel.Information, "Nurse-station dashboard on {Url} (MQTT over WebSocket: {Broker})")]
    public static partial void DashboardListening(this ILogger logger, string url, string broker);

    [LoggerMessage(5101, LogLevel.Warning, "The dashboard's folder {Path} does not exist (Http:WebRoot); run scripts/setup to fetch its libraries")]
    public static partial void DashboardMissing(this ILogger logger, string path);
}
