// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Diagnostics;

namespace PainStream.Daemon.Services;

/// <summary>Creates the observable instruments at start-up (they are singletons nobody else asks for before the first scrape).</summary>
internal sealed class MetricsActivator : IHostedService
{
    public MetricsActivator(PipelineMetrics pipeline, DaemonMetrics daemon)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        ArgumentNullException.ThrowIfNull(daemon);
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
