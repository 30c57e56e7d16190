// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Globalization;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using PainStream.Alerts.Mqtt;
using PainStream.Core.Cameras;
using PainStream.Core.Detection;
using PainStream.Daemon.Services;

namespace PainStream.Daemon.Http;

/// <summary><c>/healthz</c> (liveness) and <c>/readyz</c> (readiness, with the reasons when not ready).</summary>
internal static class HealthEndpoints
{
    private static readonly TimeSpan StuckAfter = TimeSpan.FromSeconds(15);

    /// <summary>Maps the endpoints.</summary>
    /// <param name="app">The application.</param>
    public static void MapPainStreamHealth(this WebApplication app)
    {
        app.MapGet("/healthz", (PipelineService pipeline) => pipeline.IsProgressing(StuckAfter)
            ? Results.Text("ok\n")
            : Results.Text("pipeline not running, or frames waiting and none detected for 15 s\n", statusCode: StatusCodes.Status503ServiceUnavailable));

        app.MapGet("/readyz", (IFaceDetector detector, IMqttConnectionState mqtt, CameraRegistry registry, PipelineService pipeline) =>
        {
            var report = Readiness(detector, mqtt, registry, pipeline);
            return Results.Json(report, HealthJsonContext.Default.ReadinessReport, statusCode: report.Ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
        });
    }

    /// <summary>Computes readiness: models loaded, pipeline running, broker connected, at least one camera online.</summary>
    /// <param name="detector">The loaded detector.</param>
    /// <param name="mqtt">The broker connection.</param>
    /// <param name="registry">The cameras.</param>
    /// <param name="pipeline">The pipeline.</param>
    /// <returns>The report.</returns>
    internal static ReadinessReport Readiness(IFaceDetector detector, IMqttConnectionState mqtt, CameraRegistry registry, PipelineService pipeline)
    {
        var cameras = registry.Snapshot();
        var reasons = new List<string>();
        if (!pipeline.IsRunning)
        {
            reasons.Add("pipeline not running");
        }

        if (!mqtt.IsConnected)
        {
            reasons.Add("MQTT broker not connected: " + (mqtt.LastError ?? "connecting"));
        }

        var online = cameras.Count(c => c.State == CameraState.Online);
        if (cameras.Count > 0 && online == 0)
        {
            reasons.Add("no camera online");
        }

        var cameraReports = cameras
            .Select(c => new CameraReadiness(c.Camera.Value, c.State.ToString().ToLower(CultureInfo.InvariantCulture), c.Error))
            .ToList();
        return new ReadinessReport(reasons.Count == 0, reasons, detector.Name, mqtt.IsConnected, mqtt.OutboxDepth, cameraReports);
    }
}

/// <summary>The <c>/readyz</c> body.</summary>
/// <param name="Ready">Whether the daemon is ready.</param>
/// <param name="Reasons">Why not, when not.</param>
/// <param name="Detector">The loaded face detector.</param>
/// <param name="MqttConnected">Whether the broker is connected.</param>
/// <param name="OutboxDepth">Alert messages waiting in the durable outbox for the broker (informational: not a readiness condition).</param>
/// <param name="Cameras">Every camera's state.</param>
internal sealed record ReadinessReport(bool Ready, IReadOnlyList<string> Reasons, string Detector, bool MqttConnected, int OutboxDepth, IReadOnlyList<CameraReadiness> Cameras);

/// <summary>One camera in <see cref="ReadinessReport"/>.</summary>
/// <param name="Camera">The camera name.</param>
/// <param name="State">online, offline or disabled.</param>
/// <param name="Error">Why it is offline.</param>
internal sealed record CameraReadiness(string Camera, string State, string? Error);

/// <summary>Source-generated JSON for the health endpoints.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(ReadinessReport))]
internal sealed partial class HealthJsonContext : JsonSerializerContext;
