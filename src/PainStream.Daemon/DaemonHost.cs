// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using PainStream.Alerts.Mqtt;
using PainStream.Capture.FFmpeg;
using PainStream.Core.Cameras;
using PainStream.Core.Detection;
using PainStream.Core.Diagnostics;
using PainStream.Core.Frames;
using PainStream.Core.Options;
using PainStream.Core.Pipeline;
using PainStream.Hosting;
using PainStream.Hosting.Configuration;
using PainStream.Hosting.History;
using PainStream.Daemon.Http;
using PainStream.Daemon.Services;
using PainStream.Core.Publishing;
using PainStream.Core.Scoring;
using PainStream.Scoring;
using PainStream.Scoring.Onnx;
using PainStream.Core.Tracking;
using PainStream.Vision.Alignment;
using PainStream.Vision.Analysis;
using PainStream.Vision.Detection;
using PainStream.Vision.Landmarks;
using PainStream.Inference.Onnx;

namespace PainStream.Daemon;

/// <summary>The composition root: the only place that wires the adapters together.</summary>
internal static class DaemonHost
{
    /// <summary>Checks the configuration, loads the models and runs the daemon until SIGTERM/SIGINT.</summary>
    /// <param name="configFile">The <c>--config</c> file, or <see langword="null"/> for the default.</param>
    /// <returns>The process exit code.</returns>
    public static async Task<int> RunAsync(string? configFile)
    {
        var home = PainStreamConfiguration.ResolveHome();
        var file = PainStreamConfiguration.ResolveFile(configFile, home);

        // Re-throwing is not enough for an integrator: print every problem with its key, then refuse to start.
        if (Cli.LoadAndCheck(file, home, out _, out var settings).Count > 0)
        {
            return Cli.ExitBadConfig;
        }

        var paths = new DaemonPaths(home, file);

        // README command 1 on a host where a broker (Debian's mosquitto) already listens on the embedded port: publish to it.
        var mqtt = await ResolveEmbeddedBrokerAsync(settings!.Mqtt);
        if (mqtt is null)
        {
            return Cli.ExitStartupFailure;
        }

        IHost host;
        try
        {
            host = Build(settings, paths, mqtt);
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            await Console.Error.WriteLineAsync("painstream: cannot start: " + ex.Message);
            return Cli.ExitStartupFailure;
        }

        using (host)
        {
            var log = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("PainStream.Daemon");
            if (!ReferenceEquals(mqtt, settings.Mqtt))
            {
                log.ExistingBrokerUsed(mqtt.Port);
            }

            try
            {
                // Models load here, before any service starts: a missing or corrupt file stops start-up with its path.
                _ = host.Services.GetRequiredService<IFaceDetector>();
                _ = host.Services.GetRequiredService<ShapePredictor>();
                _ = host.Services.GetRequiredService<LearnedScorers>();
                _ = host.Services.GetRequiredService<LoadedInfantModel>();
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // ModelFileException names the file and the expected checksum; anything else from the loader is fatal too.
                log.StartupFailedDetail(ex);
                await Console.Error.WriteLineAsync("painstream: cannot load a model: " + ex.Message);
                return Cli.ExitStartupFailure;
            }

            // Taken before RunAsync, which disposes the host (and its container) when it returns.
            var loops = host.Services.GetServices<IHostedService>().OfType<BackgroundService>().ToList();
            try
            {
                // Start and wait rather than RunAsync, which disposes the host (and the logger) before an exception gets here.
                await host.StartAsync();
                await host.WaitForShutdownAsync();

                // On .NET 10 a background service that faulted stops the host without an exception from RunAsync; report
                // it with a failing exit code so that systemd's Restart=on-failure restarts us.
                var faulted = loops.FirstOrDefault(s => s.ExecuteTask is { IsFaulted: true });
                if (faulted is not null)
                {
                    log.ServiceFailed(faulted.GetType().Name, faulted.ExecuteTask!.Exception?.GetBaseException());
                    await Console.Error.WriteLineAsync($"painstream: stopped because {faulted.GetType().Name} failed: {faulted.ExecuteTask!.Exception?.GetBaseException().Message}");
                    return Cli.ExitServiceFailed;
                }
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // One line for whoever started us; the stack trace only at debug level (the host's own error log is filtered).
                log.StartupFailedDetail(ex);
                await Console.Error.WriteLineAsync("painstream: stopped on an error: " + ex.Message);
                return Cli.ExitStartupFailure;
            }

            return Environment.ExitCode;
        }
    }

    /// <summary>
    /// With the embedded broker configured (<c>Mqtt:Host</c> empty), probes its port: free keeps the embedded broker; an MQTT
    /// broker there is used as an external one (a copy of the section with <c>Host</c> 127.0.0.1); anything else prints one
    /// line and returns <see langword="null"/> (exit 3).
    /// </summary>
    private static async Task<MqttOptions?> ResolveEmbeddedBrokerAsync(MqttOptions mqtt)
    {
        if (!string.IsNullOrWhiteSpace(mqtt.Host))
        {
            return mqtt;
        }

        var (state, reason) = await EmbeddedPortProbe.ProbeAsync(mqtt, TimeSpan.FromSeconds(3), CancellationToken.None);
        switch (state)
        {
            case EmbeddedPortState.Free:
                return mqtt;
            case EmbeddedPortState.Broker:
                // A copy: the running settings stay as configured, so a hot reload does not see an Mqtt change.
                var existing = JsonSerializer.Deserialize<MqttOptions>(JsonSerializer.Serialize(mqtt))!;
                existing.Host = "127.0.0.1";
                existing.Port = mqtt.EmbeddedPort;
                return existing;
            default:
                await Console.Error.WriteLineAsync(
                    $"painstream: cannot start: 127.0.0.1:{mqtt.EmbeddedPort} (Mqtt:EmbeddedPort) is in use and {reason}; " +
                    "set Mqtt:EmbeddedPort to a free port, or Mqtt:Host to your broker");
                return null;
        }
    }

    /// <summary>Builds the host for <paramref name="settings"/>. Internal for tests.</summary>
    /// <param name="settings">The validated settings.</param>
    /// <param name="paths">Home and configuration file.</param>
    /// <param name="mqtt">The <c>Mqtt</c> section in effect, when it differs from the configured one (an existing broker on the embedded port).</param>
    /// <returns>The host, not started.</returns>
    internal static IHost Build(PainStreamSettings settings, DaemonPaths paths, MqttOptions? mqtt = null)
    {
        mqtt ??= settings.Mqtt;
        if (settings.Http.Enabled)
        {
            var web = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = paths.Home, Args = [] });
            Configure(web, settings, paths, mqtt);
            web.WebHost.UseUrls(settings.Http.Url);
            var app = web.Build();
            app.MapPainStreamHealth();
            if (settings.Http.Dashboard)
            {
                app.MapPainStreamDashboard(settings, paths, mqtt);
            }
            app.MapPrometheusScrapingEndpoint("/metrics");
            app.Lifetime.ApplicationStarted.Register(() => app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("PainStream.Daemon").HttpListening(settings.Http.Url));
            return app;
        }

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = paths.Home, Args = [] });
        Configure(builder, settings, paths, mqtt);
        return builder.Build();
    }

    private static void Configure(IHostApplicationBuilder builder, PainStreamSettings settings, DaemonPaths paths, MqttOptions mqtt)
    {
        // A start-up failure is one line on stderr (RunAsync). The host's own logs of a failure carry stack traces (and, after
        // a failed start, noise from the services it cancels): RunAsync logs the exception itself, at debug level for a
        // start-up failure and as critical for a service that fails while running.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.None);
        var configuration = (IConfigurationBuilder)builder.Configuration;
        // The host reads the files once; ConfigReloadService owns watching them (with last-known-good semantics).
        configuration.AddPainStreamSources(paths.ConfigFile, reloadOnChange: false);
        builder.Services.AddSystemd();
        builder.Services.Configure<HostOptions>(o =>
        {
            o.ShutdownTimeout = TimeSpan.FromSeconds(20);

            // A failing service stops the host so systemd restarts it (Restart=on-failure).
            o.BackgroundServiceExceptionBehavior = BackgroundServiceExceptionBehavior.StopHost;
        });
        builder.AddPainStreamTelemetry(settings);

        var services = builder.Services;
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(paths);
        services.AddSingleton(settings);
        // One of several instances (issue 16): its own client id, availability topic, Last Will and camera status field.
        settings.Mqtt.Instance = settings.Assignment.Instance;
        services.AddSingleton(settings.Capture);
        services.AddSingleton(settings.Detection);
        services.AddSingleton(settings.Pipeline);
        services.AddSingleton(mqtt);
        services.AddSingleton(settings.Http);
        services.AddSingleton(settings.Demo);

        services.AddSingleton(sp =>
        {
            var catalog = new CameraCatalog();
            var all = CameraOptionsResolver.Resolve(settings.Cameras, settings.Capture, settings.Demo, paths.Home, settings.Alerting, settings.Scoring.Scorer);
            var cameras = settings.Assignment.Filter(all);
            var logger = sp.GetRequiredService<ILoggerFactory>().CreateLogger("PainStream.Daemon");
            if (settings.Assignment.IsSharded)
            {
                logger.ShardWatching(settings.Assignment.Instance, settings.Assignment.Index, settings.Assignment.Count, cameras.Count, all.Count);
            }

            if (HardwareDecode.FallbackReason(settings.Capture.HardwareDecode) is { } software)
            {
                logger.HardwareDecodeUnavailable(software);
            }

            if (settings.Cameras.Count == 0 && cameras.TryGetValue(new CameraId(Core.Options.DemoOptions.CameraName), out var demo))
            {
                logger.DemoCamera(demo.Url);
                if (!File.Exists(demo.Url))
                {
                    logger.DemoClipMissing(demo.Url);
                }
            }

            logger.Starting(paths.Home, paths.ConfigFile, cameras.Count, string.Join(", ", cameras.Values.Select(c => $"{c.Camera}={c.RedactedUrl}")));
            catalog.Update(cameras, settings.Assignment.NotOwned(all));
            return catalog;
        });
        services.AddSingleton<FramePool>();
        services.AddSingleton<CameraRegistry>();
        services.AddSingleton<PipelineMetrics>();
        services.AddSingleton<DaemonMetrics>();
        services.AddSingleton<PipelineChannels>();
        services.AddSingleton(sp => FaceDetectorFactory.Create(settings.Detection, paths.Home, sp.GetRequiredService<ILoggerFactory>()));
        services.AddSingleton(_ => ShapePredictorModel.LoadFace68(Path.Combine(paths.Home, settings.Detection.ModelsDirectory)));
        services.AddSingleton<ShapePredictor>();
        services.AddSingleton(sp => FaceTemplate.FromModel(sp.GetRequiredService<ShapePredictorModel>(), FaceAligner.DefaultSize));
        services.AddSingleton(sp =>
        {
            // One session per configured model, shared by every camera that selects it; a missing or corrupt file stops
            // start-up with its path (exit 3, like the detector's models).
            var catalog = sp.GetRequiredService<CameraCatalog>();
            var template = sp.GetRequiredService<FaceTemplate>();
            var logger = sp.GetRequiredService<ILoggerFactory>().CreateLogger("PainStream.Scoring");
            var scoring = settings.Scoring;
            var models = scoring.Models.ToDictionary(
                m => m.Key,
                m => Path.IsPathRooted(m.Value.Path) ? m.Value.Path : Path.Combine(paths.Home, m.Value.Path),
                StringComparer.Ordinal);
            return LearnedScorers.Load(
                models,
                new OnnxBatchOptions { MaxBatchSize = scoring.MaxBatchSize, MaxWait = TimeSpan.FromMilliseconds(scoring.MaxBatchWaitMilliseconds) },
                models.Count == 0 ? null : FaceRegionLayout.FromTemplate(template.Points, template.Size),
                OnnxSessionFactory.Creator(scoring.ExecutionProvider, scoring.IntraOpThreads, logger, "Scoring:ExecutionProvider"),
                logger,
                camera => catalog.Current.TryGetValue(camera, out var c) ? c.Scorer : null,
                new OnnxScoringMetrics(sp.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()));
        });
        services.AddSingleton<Func<IFaceAnalyzer>>(sp =>
        {
            var predictor = sp.GetRequiredService<ShapePredictor>();
            var template = sp.GetRequiredService<FaceTemplate>();
            var reload = sp.GetRequiredService<ConfigReloadService>();
            var learned = sp.GetRequiredService<LearnedScorers>();
            IFaceCropScorer? crops = learned.Models.Count > 0 ? learned : null;
            return () => new LandmarkFaceAnalyzer(predictor, template, () => reload.Current.FaceQuality, crops, settings.Detection.FollowCascades);
        });
        services.AddSingleton(sp => new DetectStage(
            sp.GetRequiredService<IFaceDetector>(),
            sp.GetRequiredService<CameraCatalog>(),
            sp.GetRequiredService<CameraRegistry>(),
            sp.GetRequiredService<PipelineMetrics>(),
            sp.GetRequiredService<ILogger<DetectStage>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<Func<IFaceAnalyzer>>(),
            settings.Detection.RedetectEveryFrames,
            settings.Detection.MaxBatch));
        services.AddSingleton(new GeometricPspiScorer());
        services.AddSingleton(sp => new BaselineStore(
            Path.IsPathRooted(settings.Scoring.StateDirectory) ? settings.Scoring.StateDirectory : Path.Combine(paths.Home, settings.Scoring.StateDirectory),
            sp.GetRequiredService<ILogger<BaselineStore>>(),
            sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp =>
        {
            // Scoring:InfantModel loads at start-up when set (restart needed); a missing or corrupt file or a manifest that is
            // not an infant-flacc one stops start-up with its path and field (exit 3), as for the pain CNNs.
            if (settings.Scoring.InfantModel is not { } infant)
            {
                return new LoadedInfantModel(null);
            }

            var path = Path.IsPathRooted(infant.Path) ? infant.Path : Path.Combine(paths.Home, infant.Path);
            // The same session home as the pain CNNs: Scoring:ExecutionProvider and Scoring:IntraOpThreads apply to it too.
            var logger = sp.GetRequiredService<ILoggerFactory>().CreateLogger("PainStream.Scoring");
            var model = InfantFlaccModel.Load(
                path, OnnxSessionFactory.Creator(settings.Scoring.ExecutionProvider, settings.Scoring.IntraOpThreads, logger, "Scoring:ExecutionProvider"));
            logger.InfantModelLoaded(model.Name, model.ModelPath, model.ExecutionProvider);
            return new LoadedInfantModel(model);
        });
        services.AddSingleton<IPatientScorerFactory>(sp =>
        {
            // The scorer gates pose and face size with the hot-reloaded FaceQuality limits, as the quality gate does.
            var reload = sp.GetRequiredService<ConfigReloadService>();
            var geometric = new GeometricPatientScorerFactory(
                sp.GetRequiredService<GeometricPspiScorer>(), settings.Scoring, sp.GetRequiredService<BaselineStore>(), () => reload.Current.FaceQuality);
            var catalog = sp.GetRequiredService<CameraCatalog>();
            var learned = sp.GetRequiredService<LearnedScorers>();
            var infant = sp.GetRequiredService<LoadedInfantModel>().Model is { } model ? new InfantPatientScorerFactory(geometric, model) : null;
            return new ScorerSelector(
                geometric,
                camera => catalog.Current.TryGetValue(camera, out var c) ? c.Scorer : null,
                learned.Models.Keys.ToHashSet(StringComparer.Ordinal),
                infant,
                (camera, bed) => catalog.Current.TryGetValue(camera, out var c) && c.Beds.Any(b => b.Mode == BedMode.Infant && string.Equals(b.Name, bed, StringComparison.Ordinal)));
        });
        services.AddSingleton<IBedAssigner>(_ => new TrackingBedAssigner());
        services.AddSingleton(sp => new PatientStage(
            sp.GetRequiredService<IPatientScorerFactory>(),
            sp.GetRequiredService<IAlertPublisher>(),
            sp.GetRequiredService<CameraCatalog>(),
            sp.GetRequiredService<CameraRegistry>(),
            sp.GetRequiredService<PipelineMetrics>(),
            sp.GetRequiredService<IBedAssigner>(),
            () => TimeSpan.FromMilliseconds(sp.GetRequiredService<ConfigReloadService>().Current.Alerting.ScoreIntervalMilliseconds),
            sp.GetRequiredService<ILogger<PatientStage>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<AlertCommandChannel>())
        {
            Recorder = sp.GetService<ScoreHistoryStore>(),
            CommandFilter = stage => new ShardCommandFilter(stage, () => sp.GetRequiredService<ConfigReloadService>().Current.Assignment),
        });
        services.AddSingleton(sp => new FacesReportStage(
            sp.GetRequiredService<Core.Publishing.IPainStreamPublisher>(),
            TimeSpan.FromMilliseconds(settings.Mqtt.FacesIntervalMilliseconds),
            sp.GetRequiredService<TimeProvider>()));

        // The dashboard's MQTT over WebSocket (issue 11): one more listener of the embedded broker, served at /mqtt.
        if (settings.Http.Enabled && settings.Http.Dashboard && string.IsNullOrWhiteSpace(mqtt.Host))
        {
            services.AddSingleton<MQTTnet.AspNetCore.MqttWebSocketServerAdapter>();
            services.AddSingleton<MQTTnet.Server.IMqttServerAdapter>(sp => sp.GetRequiredService<MQTTnet.AspNetCore.MqttWebSocketServerAdapter>());
        }

        // The score history (issue 11): registered before the pipeline, so it stops after the pipeline has drained.
        if (settings.Http.History.Enabled)
        {
            services.AddSingleton(sp => new ScoreHistoryStore(
                HistoryQuery.HistoryPath(settings, paths), settings.Http.History, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<ScoreHistoryStore>>()));
            services.AddHostedService(sp => sp.GetRequiredService<ScoreHistoryStore>());
        }

        // Hosted services start in this order and stop in the reverse one: capture stops first, then the pipeline drains,
        // then the publisher says "stopped", and the embedded broker goes last.
        services.AddPainStreamMqtt(mqtt, paths.Home);
        services.AddSingleton<PipelineService>();
        services.AddHostedService(sp => sp.GetRequiredService<PipelineService>());
        services.AddHostedService<CaptureService>();
        services.AddHostedService<StatsService>();
        services.AddSingleton<ConfigReloadService>();
        services.AddHostedService(sp => sp.GetRequiredService<ConfigReloadService>());
        services.AddHostedService<SystemdWatchdogService>();
    }

    private static void AddPainStreamTelemetry(this IHostApplicationBuilder builder, PainStreamSettings settings)
    {
        var otel = builder.Services.AddOpenTelemetry();
        otel.WithMetrics(metrics =>
        {
            metrics.AddMeter(PainStreamInstruments.MeterName);

            // The runtime's own meter (GC, allocations, thread pool, lock contention): the load tool reads
            // dotnet.gc.heap.total_allocated from it to report bytes allocated per analysed frame (issue 14, item 3).
            metrics.AddMeter("System.Runtime");
            if (settings.Http.Enabled)
            {
                metrics.AddPrometheusExporter();
            }

            if (!string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT")))
            {
                metrics.AddOtlpExporter();
            }
        });

        // Traces (issue 15, item 5): a span per frame through detection and per batch of learned scoring, exported with the
        // logs over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set (the metrics above follow the same variable). One registration.
        if (!string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT")))
        {
            otel.WithTracing(tracing => tracing.AddSource(PainStreamActivities.SourceName).AddOtlpExporter());
            otel.WithLogging(logging => logging.AddOtlpExporter());
        }

        // Instruments that observe the pipeline must exist before the first scrape.
        builder.Services.AddHostedService<MetricsActivator>();
    }
}

/// <summary>The infant model loaded at start-up (<c>Scoring:InfantModel</c>), or none; the container disposes it.</summary>
/// <param name="Model">The model, or <see langword="null"/> when none is configured.</param>
internal sealed record LoadedInfantModel(InfantFlaccModel? Model) : IDisposable
{
    /// <inheritdoc/>
    public void Dispose() => Model?.Dispose();
}
