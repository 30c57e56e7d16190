// Copyright (c) PainStream contributors. Licensed under the MIT License.

using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.FileProviders;
using MQTTnet.AspNetCore;
using PainStream.Core.Alerting;
using PainStream.Core.Cameras;
using PainStream.Core.Frames;
using PainStream.Core.Options;
using PainStream.Hosting.Configuration;
using PainStream.Hosting.History;

namespace PainStream.Daemon.Http;

/// <summary>
/// The nurse-station dashboard on the daemon's HTTP endpoint (issue 11): the static app at <c>/</c>, MQTT over WebSocket
/// at <c>/mqtt</c> for the embedded broker, and the read-only score history and what-if replay under <c>/api/</c>.
/// </summary>
internal static class DashboardEndpoints
{
    /// <summary>The path of the embedded broker's WebSocket endpoint.</summary>
    public const string MqttPath = "/mqtt";

    /// <summary>The most points <c>/api/history</c> returns for a chart; longer periods are thinned evenly.</summary>
    public const int MaxChartPoints = 20_000;

    /// <summary>Maps the dashboard.</summary>
    /// <param name="app">The application.</param>
    /// <param name="settings">The settings.</param>
    /// <param name="paths">Home and configuration file.</param>
    /// <param name="mqtt">The broker PainStream publishes to (the configured one, or a broker found on the embedded port).</param>
    public static void MapPainStreamDashboard(this WebApplication app, PainStreamSettings settings, DaemonPaths paths, MqttOptions mqtt)
    {
        ArgumentNullException.ThrowIfNull(mqtt);
        var http = settings.Http;
        var root = Path.IsPathRooted(http.WebRoot) ? http.WebRoot : Path.Combine(paths.Home, http.WebRoot);
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("PainStream.Daemon");
        var embedded = string.IsNullOrWhiteSpace(mqtt.Host);

        // Another broker and no WebSocket URL of its own for the dashboard: /mqtt relays to its plain port, so the page works
        // unchanged (README command 1 on a host where Debian's mosquitto already has 1883). Not over TLS: set
        // Http:DashboardBrokerUrl to the broker's own wss:// listener then.
        var relayed = !embedded && string.IsNullOrEmpty(http.DashboardBrokerUrl) && !mqtt.UseTls;
        if (relayed)
        {
            app.UseWebSockets();
            app.Map(MqttPath, async (HttpContext context) =>
            {
                if (!context.WebSockets.IsWebSocketRequest)
                {
                    return Results.Text("MQTT over WebSocket: connect with an MQTT client (sub-protocol mqtt)\n", statusCode: StatusCodes.Status400BadRequest);
                }

                var protocol = MqttSubProtocolSelector.SelectSubProtocol(context.Request);
                using var socket = await context.WebSockets.AcceptWebSocketAsync(protocol);
                using var stopping = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, app.Lifetime.ApplicationStopping);
                await MqttWebSocketBridge.RunAsync(socket, mqtt.Host, mqtt.Port, stopping.Token);
                return Results.Empty;
            });
        }
        else if (embedded && app.Services.GetService<MqttWebSocketServerAdapter>() is { } adapter)
        {
            app.UseWebSockets();
            app.Map(MqttPath, async (HttpContext context) =>
            {
                if (!context.WebSockets.IsWebSocketRequest)
                {
                    return Results.Text("MQTT over WebSocket: connect with an MQTT client (sub-protocol mqtt)\n", statusCode: StatusCodes.Status400BadRequest);
                }

                if (adapter.ClientHandler is null)
                {
                    return Results.Text("the embedded broker is not running\n", statusCode: StatusCodes.Status503ServiceUnavailable);
                }

                var protocol = MqttSubProtocolSelector.SelectSubProtocol(context.Request);
                using var socket = await context.WebSockets.AcceptWebSocketAsync(protocol);

                // A dashboard's connection lives until the broker stops, which is the last thing to stop; the web server, which
                // stops first, would wait for it and use up the whole shutdown time. Close it as soon as the daemon stops
                // (the page then says PainStream is not watching).
                using var stopping = app.Lifetime.ApplicationStopping.Register(context.Abort);
                await adapter.RunWebSocketConnectionAsync(socket, context);
                return Results.Empty;
            });
        }

        if (Directory.Exists(root))
        {
            var files = new PhysicalFileProvider(Path.GetFullPath(root));
            app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
            app.UseStaticFiles(new StaticFileOptions
            {
                FileProvider = files,
                OnPrepareResponse = c => c.Context.Response.Headers.CacheControl = "no-cache",
            });
            app.Lifetime.ApplicationStarted.Register(() => logger.DashboardListening(
                http.Url.TrimEnd('/') + "/",
                embedded || relayed
                    ? http.Url.Replace("http://", "ws://", StringComparison.Ordinal).TrimEnd('/') + MqttPath + (relayed ? $" relayed to {mqtt.Host}:{mqtt.Port}" : string.Empty)
                    : (string.IsNullOrEmpty(http.DashboardBrokerUrl) ? "(set Http:DashboardBrokerUrl)" : http.DashboardBrokerUrl)));
        }
        else
        {
            logger.DashboardMissing(root);
        }

        app.MapGet("/api/dashboard", (HttpContext context) => Results.Json(
            new DashboardInfo(embedded || relayed ? null : NullIfEmpty(http.DashboardBrokerUrl), embedded || relayed ? MqttPath : null, settings.Mqtt.TopicPrefix.TrimEnd('/'), http.History.Enabled),
            DashboardJsonContext.Default.DashboardInfo));

        app.MapGet("/api/beds", (CameraCatalog catalog) => Results.Json(
            catalog.Current.Values.OrderBy(c => c.Camera.Value, StringComparer.Ordinal)
                .SelectMany(c => c.Beds.Select(b => BedInfo.From(c.Camera.Value, b)))
                .ToList(),
            DashboardJsonContext.Default.ListBedInfo));

        if (!http.History.Enabled)
        {
            return;
        }

        var historyPath = HistoryQuery.HistoryPath(settings, paths);
        app.MapGet("/api/history", (string camera, string bed, string? from, string? to, TimeProvider time) =>
        {
            if (!HistoryQuery.TryPeriod(from, to, time, TimeSpan.FromHours(1), out var start, out var end, out var error) || !TryBed(camera, bed, out error))
            {
                return Problem(error);
            }

            if (!File.Exists(historyPath))
            {
                return Results.Json(new HistoryResponse(camera, bed, start, end, [], []), DashboardJsonContext.Default.HistoryResponse);
            }

            var samples = ScoreHistoryStore.ReadSamples(historyPath, camera, bed, start, end);
            var step = Math.Max(1, (samples.Count + MaxChartPoints - 1) / MaxChartPoints);
            var points = new List<HistoryPoint>((samples.Count / step) + 1);
            for (var i = 0; i < samples.Count; i += step)
            {
                var s = samples[i];
                points.Add(new HistoryPoint(s.At.ToUnixTimeMilliseconds(), s.Pspi, s.Smoothed, s.Confidence, AlertNames.State(s.State), s.Quality));
            }

            var events = ScoreHistoryStore.ReadEvents(historyPath, camera, bed, start, end).ConvertAll(HistoryEventInfo.From);
            return Results.Json(new HistoryResponse(camera, bed, start, end, points, events), DashboardJsonContext.Default.HistoryResponse);
        });

        app.MapPost("/api/replay", async (HttpContext context, CameraCatalog catalog, TimeProvider time) =>
        {
            ReplayRequest? request;
            try
            {
                request = await System.Text.Json.JsonSerializer.DeserializeAsync(context.Request.Body, DashboardJsonContext.Default.ReplayRequest, context.RequestAborted);
            }
            catch (System.Text.Json.JsonException ex)
            {
                // Names the key: "The JSON property 'OnThresold' could not be mapped … Path: $.settings.OnThresold".
                return Problem("invalid request: " + ex.Message);
            }

            if (request is null)
            {
                return Problem("invalid request: empty body");
            }

            if (!TryBed(request.Camera, request.Bed, out var error)
                || !HistoryQuery.TryPeriod(request.From, request.To, time, TimeSpan.FromHours(1), out var start, out var end, out error))
            {
                return Problem(error);
            }

            if (!catalog.Current.TryGetValue(new CameraId(request.Camera), out var camera) || camera.Beds.FirstOrDefault(b => b.Name == request.Bed) is not { } bed)
            {
                return Problem($"unknown bed '{request.Bed}' on camera '{request.Camera}'");
            }

            var result = ReplayRunner.Run(historyPath, request.Camera, request.Bed, bed.Policy, request.Settings ?? new AlertingOverrides(), start, end);
            return result.Problems.Count > 0
                ? Results.Json(new ProblemResponse(result.Problems), DashboardJsonContext.Default.ProblemResponse, statusCode: StatusCodes.Status400BadRequest)
                : Results.Json(result.Response!, DashboardJsonContext.Default.ReplayResponse);
        });
    }

    private static bool TryBed(string? camera, string? bed, out string error)
    {
        error = !CameraId.IsValid(camera ?? string.Empty) ? $"invalid camera id '{camera}'"
            : !CameraId.IsValid(bed ?? string.Empty) ? $"invalid bed id '{bed}'"
            : string.Empty;
        return error.Length == 0;
    }

    private static IResult Problem(string error) =>
        Results.Json(new ProblemResponse([error]), DashboardJsonContext.Default.ProblemResponse, statusCode: StatusCodes.Status400BadRequest);

    private static string? NullIfEmpty(string value) => string.IsNullOrEmpty(value) ? null : value;
}
