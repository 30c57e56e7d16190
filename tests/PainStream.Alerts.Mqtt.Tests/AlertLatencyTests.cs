// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Diagnostics;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using PainStream.Core.Alerting;
using PainStream.Core.Diagnostics;
using PainStream.Testing;

namespace PainStream.Alerts.Mqtt.Tests;

/// <summary>
/// <c>painstream.alert.latency</c>: capture of the frame that raised an event → the broker's PUBACK for it; and the same path
/// as a trace (the patient stage's <c>painstream.alert</c> span, continued by <c>painstream.alert.publish</c> at the PUBACK).
/// </summary>
public sealed class AlertLatencyTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task DeliveredEvent_WithCaptureTimestamp_RecordsCaptureToPubackLatency_OthersAreNotTimed()
    {
        await using var broker = await TestBroker.StartAsync(BrokerKind.Embedded, Ct);
        await using var harness = new PublisherHarness(broker.PublisherOptions("ps-latency"));
        using var latency = new MetricCollector<double>(harness.Meters, PainStreamInstruments.MeterName, PainStreamInstruments.AlertLatency);
        await harness.StartAsync();
        var events = AlertScenario.Episode("ward3", "bed-1", updates: 1);

        // The frame that raised the new event was captured 1.5 s ago (the harness runs the publisher on the system clock).
        var captured = TimeProvider.System.GetTimestamp() - (long)(1.5 * TimeProvider.System.TimestampFrequency);
        await harness.Publisher.EnqueueAlertAsync(events[0] with { CaptureTimestamp = captured }, Ct);
        await harness.Publisher.EnqueueAlertAsync(events[1], Ct); // raised by a timer or a command: no frame
        var end = TimeProvider.System.GetTimestamp();
        await harness.Publisher.EnqueueAlertAsync(events[2] with { CaptureTimestamp = end }, Ct);

        await latency.WaitForMeasurementsAsync(2, TimeSpan.FromSeconds(30));
        await harness.StopAsync();

        var measured = latency.GetMeasurementSnapshot();
        Assert.Equal(2, measured.Count);
        Assert.Equal(AlertNames.Type(AlertEventType.New), measured[0].Tags["type"]);
        Assert.Equal(AlertNames.Reason(AlertReason.Pain), measured[0].Tags["reason"]);
        Assert.InRange(measured[0].Value, 1.5, 1.5 + 30);
        Assert.Equal(AlertNames.Type(AlertEventType.End), measured[1].Tags["type"]);
        Assert.InRange(measured[1].Value, 0, 30);
        Assert.True(measured[1].Value < measured[0].Value);
        harness.AssertNoErrorsLogged();
    }

    [Fact]
    public async Task StoredEvent_UnderItsAlertSpan_GetsAPublishSpanAtItsPuback_ChildOfThatSpan()
    {
        using var spans = new ActivityRecorder();
        await using var broker = await TestBroker.StartAsync(BrokerKind.Embedded, Ct);
        await using var harness = new PublisherHarness(broker.PublisherOptions("ps-alert-span"));
        var events = AlertScenario.Episode("ward-span", "bed-1", updates: 0);

        // Stored while the broker is not yet connected: the alert span ends at the store, the publish span comes later.
        ActivityContext alertSpan;
        var storedAfter = DateTime.UtcNow;
        using (var alert = PainStreamActivities.StartAlert("ward-span", "bed-1", events[0].Id, "new", "pain", DateTimeOffset.UtcNow.AddSeconds(-2)))
        {
            Assert.NotNull(alert);
            alertSpan = alert.Context;
            await harness.Publisher.EnqueueAlertAsync(events[0], Ct);
        }

        await harness.Publisher.EnqueueAlertAsync(events[1], Ct); // no span around it: stored and delivered untraced
        Assert.True(await harness.Publisher.ConnectOnceAsync(Ct));
        Assert.True(await harness.Publisher.SendPendingOnceAsync(Ct));

        var publish = Assert.Single(spans.Stopped(PainStreamActivities.AlertPublish, a => a.TraceId == alertSpan.TraceId));
        Assert.Equal(alertSpan.SpanId, publish.ParentSpanId);
        Assert.Equal(ActivityKind.Producer, publish.Kind);
        Assert.Equal("new", publish.GetTagItem(PainStreamActivities.AlertTypeTag));
        Assert.IsType<long>(publish.GetTagItem(PainStreamActivities.OutboxSequenceTag));
        Assert.True(publish.StartTimeUtc >= storedAfter, $"{publish.StartTimeUtc:O} before the store {storedAfter:O}");
        harness.AssertNoErrorsLogged();
    }
}
