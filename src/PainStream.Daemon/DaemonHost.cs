// Copyright (c) PainStream contributors. Licensed under the MIT License.

using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using OpenTelemetry.Metrics;
using PainStream.Alerts.Mqtt;
using PainStream.Core.Cameras;
using PainStream.Core.Detection;
using PainStream.Core.Diagnostics;
using PainStream.Core.Frames;
using PainStream.Core.Options;
using PainStream.Core.Pipeline;
using PainStream.Daemon.Configuration;
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
using PainStream.Vision.Onnx;

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
        IHost host;
        try
        {
            host = Build(settings!, paths);
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            await Console.Error.WriteLineAsync("painstream: cannot start: " + ex.Message);
            return Cli.ExitStartupFailure;
        }

        using (host)
        {
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
                await Console.Error.WriteLineAsync("painstream: cannot load a model: " + ex.Message);
                return Cli.ExitStartupFailure;
            }

            // Taken before RunAsync, which disposes the host (and its container) when it returns.
            var loops = host.Services.GetServices<IHostedService>().OfType<BackgroundService>().ToList();
            try
            {
                await host.RunAsync();

                // On .NET 10 a background service that faulted stops the host without an exception from RunAsync; report
                // it with a failing exit code so that systemd's Restart=on-failure restarts us.
                var faulted = loops.FirstOrDefault(s => s.ExecuteTask is { IsFaulted: true });
                if (faulted is not null)
                {
                    await Console.Error.WriteLineAsync($"painstream: stopped because {faulted.GetType().Name} failed: {faulted.ExecuteTask!.Exception?.GetBaseException().Message}");
                    return Cli.ExitServiceFailed;
                }
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // The host has logged the details; say it once more on stderr for whoever started us, and fail.
                await Console.Error.WriteLineAsync("painstream: stopped on an error: " + ex.Message);
                return Cli.ExitStartupFailure;
            }

            return Environment.ExitCode;
        }
    }

    /// <summary>Builds the host for <paramref name="settings"/>. Internal for tests.</summary>
    /// <param name="settings">The validated settings.</param>
    /// <param name="paths">Home and configuration file.</param>
    /// <returns>The host, not started.</returns>
    internal static IHost Build(PainStreamSettings settings, DaemonPaths paths)
    {
        if (settings.Http.Enabled)
        {
            var web = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = paths.Home, Args = [] });
            Configure(web, settings, paths);
            web.WebHost.UseUrls(settings.Http.Url);
            var app = web.Build();
            app.MapPainStreamHealth();
            app.MapPrometheusScrapingEndpoint("/metrics");
            app.Lifetime.ApplicationStarted.Register(() => app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("PainStream.Daemon").HttpListening(settings.Http.Url));
            return app;
        }

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = paths.Home, Args = [] });
        Configure(builder, settings, paths);
        return builder.Build();
    }

    private static void Configure(IHostApplicationBuilder builder, PainStreamSettings settings, DaemonPaths paths)
    {
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
        services.AddSingleton(settings.Capture);
        services.AddSingleton(settings.Detection);
        services.AddSingleton(settings.Pipeline);
        services.AddSingleton(settings.Mqtt);
        services.AddSingleton(settings.Http);
        services.AddSingleton(settings.Demo);

        services.AddSingleton(sp =>
        {
            var catalog = new CameraCatalog();
            var cameras = CameraCatalog.Resolve(settings.Cameras, settings.Capture, settings.Demo, paths.Home, settings.Alerting, settings.Scoring.Scorer);
            var logger = sp.GetRequiredService<ILoggerFactory>().CreateLogger("PainStream.Daemon");
            if (settings.Cameras.Count == 0 && cameras.TryGetValue(new CameraId(Core.Options.DemoOptions.CameraName), out var demo))
            {
                logger.DemoCamera(demo.Url);
                if (!File.Exists(demo.Url))
                {
                    logger.DemoClipMissing(demo.Url);
                }
            }

            logger.Starting(paths.Home, paths.ConfigFile, cameras.Count, string.Join(", ", cameras.Values.Select(c => $"{c.Camera}={c.RedactedUrl}")));
            catalog.Update(cameras);
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
                (string path, out string provider) =>
                {
                    var session = OnnxSessionFactory.Create(path, scoring.ExecutionProvider, scoring.IntraOpThreads, logger, out var active, "Scoring:ExecutionProvider");
                    provider = OnnxSessionFactory.ProviderName(active);
                    return session;
                },
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
            return () => new LandmarkFaceAnalyzer(predictor, template, () => reload.Current.FaceQuality, crops);
        });
        services.AddSingleton(sp => new DetectStage(
            sp.GetRequiredService<IFaceDetector>(),
            sp.GetRequiredService<CameraCatalog>(),
            sp.GetRequiredService<CameraRegistry>(),
            sp.GetRequiredService<PipelineMetrics>(),
            sp.GetRequiredService<ILogger<DetectStage>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<Func<IFaceAnalyzer>>()));
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
            var model = InfantFlaccModel.Load(path);
            sp.GetRequiredService<ILoggerFactory>().CreateLogger("PainStream.Scoring").InfantModelLoaded(model.Name, model.ModelPath, model.ExecutionProvider);
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
            sp.GetRequiredService<AlertCommandChannel>()));
        services.AddSingleton(sp => new FacesReportStage(
            sp.GetRequiredService<Core.Publishing.IPainStreamPublisher>(),
            TimeSpan.FromMilliseconds(settings.Mqtt.FacesIntervalMilliseconds),
            sp.GetRequiredService<TimeProvider>()));

        // Hosted services start in this order and stop in the reverse one: capture stops first, then the pipeline drains,
        // then the publisher says "stopped", and the embedded broker goes last.
        services.AddPainStreamMqtt(settings.Mqtt, paths.Home);
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
            if (settings.Http.Enabled)
            {
                metrics.AddPrometheusExporter();
            }

            if (!string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT")))
            {
                metrics.AddOtlpExporter();
            }
        });

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
