// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Diagnostics.Metrics;
using PainStream.Core.Diagnostics;
using PainStream.Core.Pipeline;

namespace PainStream.Daemon.Services;

/// <summary>Instruments that need the composed pipeline: queue depths.</summary>
internal sealed class DaemonMetrics
{
    public DaemonMetrics(IMeterFactory meterFactory, PipelineChannels channels)
    {
        // We don't dispose the meter: IMeterFactory owns it and disposes it with the container.
#pragma warning disable CA2000
        var meter = meterFactory.Create(PainStreamInstruments.MeterName);
#pragma warning restore CA2000
        meter.CreateObservableGauge(
            PainStreamInstruments.QueueDepth,
            () => channels.Depths().Select(d => new Measurement<int>(d.Value, new KeyValuePair<string, object?>(PainStreamInstruments.QueueTag, d.Key))),
            description: "Items waiting in a pipeline channel.");
    }
}
