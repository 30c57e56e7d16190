// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Globalization;
using Microsoft.Extensions.Hosting.Systemd;

namespace PainStream.Daemon.Services;

/// <summary>
/// Sends <c>WATCHDOG=1</c> to systemd at half of <c>WatchdogSec</c> while the pipeline runs, so a hung daemon is restarted.
/// Does nothing when not started by systemd with a watchdog (no <c>WATCHDOG_USEC</c>).
/// </summary>
internal sealed class SystemdWatchdogService : BackgroundService
{
    private readonly ISystemdNotifier? _notifier;
    private readonly PipelineService _pipeline;
    private readonly TimeProvider _time;

    // AddSystemd registers the notifier only when systemd started the process: otherwise it is null and this service idles.
    public SystemdWatchdogService(PipelineService pipeline, TimeProvider time, ISystemdNotifier? notifier = null)
    {
        _notifier = notifier;
        _pipeline = pipeline;
        _time = time;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_notifier is not { IsEnabled: true }
            || !long.TryParse(Environment.GetEnvironmentVariable("WATCHDOG_USEC"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var usec)
            || usec <= 0)
        {
            return;
        }

        var interval = TimeSpan.FromMicroseconds(usec / 2.0);
        using var timer = new PeriodicTimer(interval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                // A pipeline that has died or hangs is not kept alive by pings: systemd restarts us.
                if (_pipeline.IsProgressing(interval))
                {
                    _notifier.Notify(new ServiceState("WATCHDOG=1"));
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Normal shutdown.
        }
    }
}
