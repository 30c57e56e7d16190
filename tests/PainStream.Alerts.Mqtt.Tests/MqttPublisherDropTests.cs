// Copyright (c) PainStream contributors. Licensed under the MIT License.

using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using PainStream.Core.Diagnostics;
using PainStream.Core.Publishing;
using PainStream.Testing;

namespace PainStream.Alerts.Mqtt.Tests;

/// <summary>Best-effort telemetry: dropped and counted, never blocking the pipeline.</summary>
public sealed class MqttPublisherDropTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task PublishFaces_BrokerAway_DroppedCountedAndNeverBlocks()
    {
        await using var broker = TestBroker.NotStarted(BrokerKind.Mosquitto);
        await using var harness = new PublisherHarness(broker.PublisherOptions("ps-drop"));
        using var dropped = new MetricCollector<long>(harness.Meters, PainStreamInstruments.MeterName, PainStreamInstruments.MqttDropped);
        using var connected = new MetricCollector<int>(harness.Meters, PainStreamInstruments.MeterName, PainStreamInstruments.MqttConnected);
        await harness.StartAsync();

        for (var i = 0; i < 10_000; i++)
        {
            harness.Publisher.PublishFaces(PublisherHarness.Faces("bed-1", i));
        }

        harness.Publisher.PublishStats(new PainStreamStats(PublisherHarness.T0, 1, [], new Dictionary<string, int>(), 0));

        // Never blocks: every call above returned (a blocked one would hang until the test timeout), each having dropped
        // and counted its message (below). What a call costs is measured in bench/ (PublisherDropBenchmarks), not here.
        Assert.Equal(10_000, dropped.GetMeasurementSnapshot().Where(m => Equals(m.Tags["kind"], "faces")).Sum(m => m.Value));
        Assert.Equal(1, dropped.GetMeasurementSnapshot().Where(m => Equals(m.Tags["kind"], "stats")).Sum(m => m.Value));
        connected.RecordObservableInstruments();
        Assert.Equal(0, connected.LastMeasurement?.Value);
        Assert.False(harness.Publisher.IsConnected);
        harness.AssertNoErrorsLogged();
    }

    [Fact]
    public async Task PublishFaces_QueueFull_DropsOldestAndCountsThem()
    {
        await using var broker = await TestBroker.StartAsync(BrokerKind.Embedded, Ct);
        await using var probe = await MqttProbe.ConnectAsync(broker.Port, "painstream/+/faces", cancellationToken: Ct);
        await using var harness = new PublisherHarness(broker.PublisherOptions("ps-full"));
        using var dropped = new MetricCollector<long>(harness.Meters, PainStreamInstruments.MeterName, PainStreamInstruments.MqttDropped);
        using var published = new MetricCollector<long>(harness.Meters, PainStreamInstruments.MeterName, PainStreamInstruments.MqttPublished);
        using var connected = new MetricCollector<int>(harness.Meters, PainStreamInstruments.MeterName, PainStreamInstruments.MqttConnected);

        // Drive the loop's steps by hand (STYLE §11): connected, but nothing sends until the pump step runs.
        Assert.True(await harness.Publisher.ConnectOnceAsync(Ct));
        connected.RecordObservableInstruments();
        Assert.Equal(1, connected.LastMeasurement?.Value);
        const int Extra = 10;
        for (var i = 0; i < MqttPublisher.TelemetryCapacity + Extra; i++)
        {
            harness.Publisher.PublishFaces(PublisherHarness.Faces("bed-1", i));
        }

        Assert.Equal(Extra, dropped.GetMeasurementSnapshot().Sum(m => m.Value));
        Assert.True(await harness.Publisher.SendPendingOnceAsync(Ct));

        var last = MqttPublisher.TelemetryCapacity + Extra - 1;
        await probe.WaitForAsync(m => m.Payload.Contains($"\"seq\":{last},", StringComparison.Ordinal));
        Assert.DoesNotContain(probe.Messages, m => m.Payload.Contains("\"seq\":9,", StringComparison.Ordinal));
        Assert.Equal(MqttPublisher.TelemetryCapacity, published.GetMeasurementSnapshot().Where(m => Equals(m.Tags["kind"], "faces")).Sum(m => m.Value));
        Assert.Equal(1, published.GetMeasurementSnapshot().Where(m => Equals(m.Tags["kind"], "availability")).Sum(m => m.Value));
        harness.AssertNoErrorsLogged();
    }

    [Fact]
    public async Task StopAsync_NeverConnected_CompletesWithoutStopped()
    {
        await using var broker = TestBroker.NotStarted(BrokerKind.Embedded);
        await using var harness = new PublisherHarness(broker.PublisherOptions("ps-never"));
        await harness.StartAsync();

        await harness.StopAsync();

        Assert.False(harness.Publisher.IsConnected);
        harness.AssertNoErrorsLogged();
    }
}
