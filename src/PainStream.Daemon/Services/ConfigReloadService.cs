// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Text.Json;
using Microsoft.Extensions.Primitives;
using PainStream.Core.Cameras;
using PainStream.Core.Options;
using PainStream.Hosting.Configuration;

namespace PainStream.Daemon.Services;

/// <summary>
/// Hot reload with last-known-good (the YARP pattern): on every change of the configuration files the whole new snapshot is
/// checked; an invalid one is logged and ignored, a valid one swaps the camera set (capture diffs it and restarts only the
/// cameras that changed). Sections that need a restart are compared and a warning says so.
/// </summary>
internal sealed class ConfigReloadService : IHostedService, IDisposable
{
    private readonly IConfigurationRoot _configuration;
    private readonly CameraCatalog _catalog;
    private readonly ILogger<ConfigReloadService> _logger;
    private readonly string _home;
    private readonly string _file;
    private readonly object _gate = new();
    private PainStreamSettings _current;
    private IDisposable? _subscription;

    public ConfigReloadService(PainStreamSettings initial, CameraCatalog catalog, DaemonPaths paths, ILogger<ConfigReloadService> logger)
    {
        // Our own view of the files, exactly as at start-up and in check-config: the host's configuration also holds
        // host keys (urls, contentRoot…) that are not PainStream's to check.
        _file = paths.ConfigFile;
        _configuration = new ConfigurationBuilder().AddPainStreamSources(paths.ConfigFile, reloadOnChange: true).Build();
        _current = initial;
        _catalog = catalog;
        _home = paths.Home;
        _logger = logger;
    }

    /// <summary>Gets the settings in force (the last good configuration; restart-only sections as at start-up).</summary>
    public PainStreamSettings Current
    {
        get
        {
            lock (_gate)
            {
                return _current;
            }
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _subscription = ChangeToken.OnChange(_configuration.GetReloadToken, () => Reload());
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _subscription?.Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _subscription?.Dispose();
        (_configuration as IDisposable)?.Dispose();
    }

    /// <summary>Checks the configuration as it is now and applies it when valid. Internal for tests.</summary>
    /// <returns><see langword="true"/> when the new configuration was applied.</returns>
    internal bool Reload()
    {
        lock (_gate)
        {
            // Re-read from scratch rather than trusting the watched providers: a missing or unparsable file must be
            // rejected (the watched provider would present it as empty, which is a valid "no camera" configuration).
            IReadOnlyList<string> problems;
            PainStreamSettings? next;
            try
            {
                var fresh = new ConfigurationBuilder().AddPainStreamSources(_file, reloadOnChange: false).Build();
                problems = ConfigChecker.Check(fresh, out next);
            }
            catch (Exception ex) when (ex is FileNotFoundException or InvalidDataException or FormatException or IOException)
            {
                problems = [ConfigChecker.DescribeLoadFailure(_file, ex)];
                next = null;
            }

            if (next is null)
            {
                _logger.ReloadRejected(string.Join("; ", problems));
                return false;
            }

            WarnRestartNeeded(nameof(next.Capture), _current.Capture, next.Capture);
            WarnRestartNeeded(nameof(next.Detection), _current.Detection, next.Detection);
            WarnRestartNeeded(nameof(next.Pipeline), _current.Pipeline, next.Pipeline);
            WarnRestartNeeded(nameof(next.Mqtt), _current.Mqtt, next.Mqtt);
            WarnRestartNeeded(nameof(next.Http), _current.Http, next.Http);
            WarnRestartNeeded(nameof(next.Scoring), _current.Scoring, next.Scoring);

            // Models load at start-up only: a camera may switch among the loaded ones, not to one added since.
            if (ScorerRules.Check(next.Cameras, _current.Scoring) is { Count: > 0 } unloaded)
            {
                _logger.ReloadRejected(string.Join("; ", unloaded) + " (Scoring:Models changes need a restart)");
                return false;
            }

            // Shard:Count is hot (issue 16): cameras that move to another shard stop here and their open episodes end as
            // "moved"; Shard:Index and Shard:Instance are this instance's identity and need a restart.
            if (next.Assignment.Index != _current.Assignment.Index || !string.Equals(next.Assignment.Instance, _current.Assignment.Instance, StringComparison.Ordinal))
            {
                _logger.RestartNeeded(nameof(next.Shard));
            }

            var shard = next.Assignment with { Index = _current.Assignment.Index, Instance = _current.Assignment.Instance };
            var all = CameraOptionsResolver.Resolve(next.Cameras, _current.Capture, next.Demo, _home, next.Alerting, _current.Scoring.Scorer);
            var cameras = shard.Filter(all);
            _current = next with { Capture = _current.Capture, Detection = _current.Detection, Pipeline = _current.Pipeline, Mqtt = _current.Mqtt, Http = _current.Http, Scoring = _current.Scoring, Assignment = shard };
            _catalog.Update(cameras, shard.NotOwned(all));
            _logger.ReloadApplied(string.Join(", ", cameras.Keys.Select(k => k.Value).Order(StringComparer.Ordinal)));
            return true;
        }
    }

    private void WarnRestartNeeded<T>(string section, T before, T after)
    {
        if (!string.Equals(JsonSerializer.Serialize(before), JsonSerializer.Serialize(after), StringComparison.Ordinal))
        {
            _logger.RestartNeeded(section);
        }
    }
}
