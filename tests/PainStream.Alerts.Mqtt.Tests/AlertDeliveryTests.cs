// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using MQTTnet.Protocol;
using MQTTnet.Server;
using PainStream.Core.Alerting;
using PainStream.Core.Diagnostics;
using PainStream.Core.Frames;
using PainStream.Core.Publishing;
using PainStream.Testing;

namespace PainStream.Alerts.Mqtt.Tests;

/// <summary>At-least-once, in-order delivery of alert events through the outbox: broker outages, kills, refusals.</summary>
public sealed class AlertDeliveryTests
{
    private const string Alerts = "painstream/alerts";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task EnqueueAlertAsync_Connected_DeliveredInOrderThenRemovedFromTheOutbox()
    {
        await using var broker = await TestBroker.StartAsync(BrokerKind.Embedded, Ct);
        await using var probe = await MqttProbe.ConnectAsync(broker.Port, "painstream/#", cancellationToken: Ct);
        await using var harness = new PublisherHarness(broker.PublisherOptions("ps-deliver"));
        await harness.StartAsync();
        await probe.WaitForAsync("painstream/available", "online");
        var events = AlertScenario.Episode("ward3", "bed-1", updates: 3);

        foreach (var e in events)
        {
            await harness.Publisher.EnqueueAlertAsync(e, Ct);
        }

        var received = await WaitForEventsAsync(probe, events.Count);
        AssertSameEvents(events, received);
        var alert = probe.Messages.First(m => m.Topic == Alerts);
        Assert.False(alert.Retain);
        await probe.WaitForAsync(m => m.Topic == "painstream/ward3/bed-1/alert" && m.Payload.Contains("\"none\"", StringComparison.Ordinal));
        var states = probe.Messages.Where(m => m.Topic == "painstream/ward3/bed-1/alert").ToList();
        Assert.All(states, s => Assert.True(s.Retain));
        Assert.Equal(["active", "active", "active", "active", "none"], states.Select(s => (string)JsonNode.Parse(s.Payload)!["state"]!));

        // Stopped: the loop has ended, so every acknowledged message has been deleted.
        await harness.StopAsync();
        Assert.Equal(0, harness.Publisher.OutboxDepth);
        harness.AssertNoErrorsLogged();
    }

    [Fact]
    public async Task EnqueueAlertAsync_FromTwoThreadsWhileDelivering_EverythingArrivesInSeqOrder()
    {
        await using var broker = await TestBroker.StartAsync(BrokerKind.Embedded, Ct);
        await using var probe = await MqttProbe.ConnectAsync(broker.Port, Alerts, cancellationToken: Ct);
        await using var harness = new PublisherHarness(broker.PublisherOptions("ps-concurrent"));
        await harness.StartAsync();
        var beds = Enumerable.Range(1, 4).Select(b => AlertScenario.Episode("ward3", "bed-" + b, updates: 48, start: PublisherHarness.T0.AddMinutes(b))).ToList();

        await Task.WhenAll(
            Task.Run(async () => { foreach (var e in beds[0].Concat(beds[1])) { await harness.Publisher.EnqueueAlertAsync(e, Ct); } }, Ct),
            Task.Run(async () => { foreach (var e in beds[2].Concat(beds[3])) { await harness.Publisher.EnqueueAlertAsync(e, Ct); } }, Ct));

        var received = await WaitForEventsAsync(probe, beds.Sum(b => b.Count));
        var seqs = received.Select(e => e.Seq).ToList();
        Assert.Equal(seqs.Order(), seqs);
        Assert.Equal(seqs.Count, seqs.Distinct().Count());
        foreach (var bed in beds)
        {
            // Each writer's events keep their own order within the global one.
            Assert.Equal(bed.Select(e => AlertEventPayload.TypeName(e.Type)), received.Where(r => r.Id == bed[0].Id).Select(r => r.Type));
        }

        harness.AssertNoErrorsLogged();
    }

    [Fact]
    public async Task BrokerOutage_EventsDuringIt_EveryEventArrivesInOrderAndRetainedStatesAreRestored()
    {
        await using var broker = await TestBroker.StartAsync(BrokerKind.Mosquitto, Ct);
        await using var proxy = TcpProxy.Start(broker.Port);
        await using var harness = new PublisherHarness(broker.PublisherOptions("ps-outage", viaPort: proxy.Port));
        var bed1 = AlertScenario.Episode("ward3", "bed-1", updates: 3);
        var bed2 = AlertScenario.Episode("ward3", "bed-2", updates: 20, start: PublisherHarness.T0.AddMinutes(1));
        List<ReceivedEvent> before;
        await using (var probe = await MqttProbe.ConnectAsync(broker.Port, "painstream/#", cancellationToken: Ct))
        {
            await harness.StartAsync();
            await probe.WaitForAsync("painstream/available", "online");
            foreach (var e in bed1.Concat(bed2.Take(6)))
            {
                await harness.Publisher.EnqueueAlertAsync(e, Ct);
            }

            before = await WaitForEventsAsync(probe, bed1.Count + 6);

            // The broker dies (SIGKILL) in the middle of bed-2's episode and stays away until the test opens the gate.
            proxy.RefuseNew = true;
            await broker.CrashAsync();
            foreach (var e in bed2.Skip(6))
            {
                await harness.Publisher.EnqueueAlertAsync(e, Ct);
            }
        }

        Assert.True(harness.Publisher.OutboxDepth >= 2 * (bed2.Count - 6), $"outbox depth {harness.Publisher.OutboxDepth}");

        // Back, without its retained messages (no persistence). Subscribe before the publisher can reconnect.
        await broker.StartAsync(Ct);
        await using var after = await MqttProbe.ConnectAsync(broker.Port, "painstream/#", cancellationToken: Ct);
        proxy.RefuseNew = false;
        var last = bed2[^1];
        await after.WaitForAsync(m => m.Topic == Alerts && m.Payload.Contains(last.Id, StringComparison.Ordinal) && m.Payload.Contains("\"type\":\"end\"", StringComparison.Ordinal), timeout: TimeSpan.FromSeconds(30));
        await after.WaitForAsync(m => m.Topic == "painstream/ward3/bed-2/alert" && m.Payload.Contains("\"none\"", StringComparison.Ordinal));
        await after.WaitForAsync(m => m.Topic == "painstream/ward3/bed-1/alert");

        // Every event exactly once after removing duplicates, which are only re-sends of the same (id, seq) and payload.
        var all = before.Concat(Events(after)).ToList();
        AssertSameEvents([.. bed1, .. bed2], Deduplicate(all));

        // The retained state of both beds is back: bed-2's came through the outbox, bed-1's was re-sent after the reconnect.
        await using var late = await MqttProbe.ConnectAsync(broker.Port, "painstream/+/+/alert", cancellationToken: Ct);
        var state1 = JsonNode.Parse((await late.WaitForAsync(m => m.Topic == "painstream/ward3/bed-1/alert")).Payload)!;
        var state2 = JsonNode.Parse((await late.WaitForAsync(m => m.Topic == "painstream/ward3/bed-2/alert")).Payload)!;
        Assert.Equal("none", (string)state1["state"]!);
        Assert.Equal(all.Where(e => e.Id == bed1[^1].Id).Max(e => e.Seq), (long)state1["seq"]!);
        Assert.Equal("none", (string)state2["state"]!);
        Assert.Equal(all.Max(e => e.Seq), (long)state2["seq"]!);

        await harness.StopAsync();
        Assert.Equal(0, harness.Publisher.OutboxDepth);
        harness.AssertNoErrorsLogged();
    }

    [Fact]
    public async Task Kill_WhileEventsQueued_NextPublisherOnTheSameFileDeliversThemInOrder()
    {
        await using var broker = TestBroker.NotStarted(BrokerKind.Mosquitto);
        using var directory = new TempDirectory();
        var path = directory.File("outbox.db");
        var bed1 = AlertScenario.Episode("ward3", "bed-1", updates: 3);
        var bed2 = AlertScenario.Episode("ward3", "bed-2", updates: 2, start: PublisherHarness.T0.AddMinutes(1))[..^1];

        await using var first = new PublisherHarness(broker.PublisherOptions("ps-kill-1"), path);
        await first.StartAsync();
        foreach (var e in bed1.Concat(bed2))
        {
            await first.Publisher.EnqueueAlertAsync(e, Ct);
        }

        Assert.Equal(2 * (bed1.Count + bed2.Count), first.Publisher.OutboxDepth);
        first.Kill();
        Assert.True(File.Exists(path));

        await broker.StartAsync(Ct);
        await using var probe = await MqttProbe.ConnectAsync(broker.Port, "painstream/#", cancellationToken: Ct);
        await using var second = new PublisherHarness(broker.PublisherOptions("ps-kill-2"), path);
        second.Publisher.PrepareStart();
        Assert.Equal(2 * (bed1.Count + bed2.Count + 1), second.Publisher.OutboxDepth);
        await second.StartAsync();

        // The queued events first, in order, then the end of bed-2's episode, which the killed daemon left open.
        var received = await WaitForEventsAsync(probe, bed1.Count + bed2.Count + 1);
        AssertSameEvents([.. bed1, .. bed2], received[..^1]);
        Assert.Equal(Enumerable.Range(0, received.Count).Select(i => received[0].Seq + (2 * i)), received.Select(e => e.Seq));
        var restarted = JsonNode.Parse(received[^1].Payload)!;
        Assert.Equal((bed2[0].Id, "end", "restarted"), ((string)restarted["id"]!, (string)restarted["type"]!, (string)restarted["cause"]!));
        await using var late = await MqttProbe.ConnectAsync(broker.Port, "painstream/+/+/alert", cancellationToken: Ct);
        Assert.Equal("none", (string)JsonNode.Parse((await late.WaitForAsync(m => m.Topic == "painstream/ward3/bed-1/alert")).Payload)!["state"]!);
        var bed2State = JsonNode.Parse((await late.WaitForAsync(m => m.Topic == "painstream/ward3/bed-2/alert")).Payload)!;
        Assert.Equal("none", (string)bed2State["state"]!);
        Assert.Equal(received[^1].Seq, (long)bed2State["seq"]!);
        second.AssertNoErrorsLogged();
    }

    [Fact]
    public async Task Restart_EpisodesLeftOpen_EndedWithCauseRestarted_AndTheBedStatesGoBackToNone()
    {
        await using var broker = TestBroker.NotStarted(BrokerKind.Embedded);
        using var directory = new TempDirectory();
        var path = directory.File("outbox.db");
        var pain = AlertScenario.Episode("ward3", "bed-1", updates: 2)[..^1];
        var offline = AlertScenario.Episode("ward3", "bed-1", updates: 0, start: PublisherHarness.T0.AddMinutes(1), reason: AlertReason.CameraOffline)[..^1];
        var ended = AlertScenario.Episode("ward3", "bed-2", updates: 1);
        long lastSeq;
        await using (var first = new PublisherHarness(broker.PublisherOptions("ps-restart-1"), path))
        {
            foreach (var e in pain.Concat(offline).Concat(ended))
            {
                await first.Publisher.EnqueueAlertAsync(e, Ct);
            }

            lastSeq = first.Publisher.Outbox.LastSequence;
            first.Kill();
        }

        await using var second = new PublisherHarness(broker.PublisherOptions("ps-restart-2"), path);
        second.Publisher.PrepareStart();

        // Behind what was queued: one end per open episode (bed-2's had ended), each with the bed's new state.
        var added = second.Publisher.Outbox.Peek(1000).Where(e => e.Sequence > lastSeq).ToList();
        Assert.Equal(4, added.Count);
        var ends = added.Where(e => e.Kind == Mqtt.Outbox.OutboxKind.End).Select(e => JsonNode.Parse(e.Payload)!).ToList();
        Assert.Equal([(offline[0].Id, "camera_offline"), (pain[0].Id, "pain")], ends.Select(n => ((string)n["id"]!, (string)n["reason"]!)));
        Assert.All(ends, n => Assert.Equal(("end", "restarted", "bed-1"), ((string)n["type"]!, (string)n["cause"]!, (string)n["bed"]!)));
        foreach (var end in ends)
        {
            Assert.Empty(await PayloadSchemas.ValidateAsync(PayloadSchemas.AlertEvent, end.ToJsonString()));
        }

        Assert.Equal((double)pain[^1].Peak!, (double)ends[1]["peak"]!);
        Assert.Null(ends[1]["score"]);
        var states = added.Where(e => e.Kind == Mqtt.Outbox.OutboxKind.State).Select(e => (string)JsonNode.Parse(e.Payload)!["state"]!).ToList();
        Assert.Equal(["active", "none"], states); // after the first end the pain episode is still open
        Assert.Empty(second.Publisher.Outbox.OpenEpisodes());
        Assert.Contains(second.Logger.Collector.GetSnapshot(), r => r.Id.Id == 4027);

        // Ended once: a third start has nothing left to end.
        var depth = second.Publisher.OutboxDepth;
        second.Kill();
        await using var third = new PublisherHarness(broker.PublisherOptions("ps-restart-3"), path);
        third.Publisher.PrepareStart();
        Assert.Equal(depth, third.Publisher.OutboxDepth);
        third.AssertNoErrorsLogged();
    }

    [Fact]
    public async Task BrokerRefusesAPublish_SameMessageRetriedAndOrderKept()
    {
        var port = FreePort.Get();
        var refusals = 2;
        using var server = new MqttServerFactory().CreateMqttServer(new MqttServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointBoundIPAddress(IPAddress.Loopback)
            .WithDefaultEndpointBoundIPV6Address(IPAddress.None)
            .WithDefaultEndpointPort(port)
            .Build());
        server.InterceptingPublishAsync += args =>
        {
            // Refuse the first episode event twice, as a broker with an ACL or a quota would (PUBACK with an error code).
            if (args.ApplicationMessage.Topic == Alerts && Interlocked.Decrement(ref refusals) >= 0)
            {
                args.ProcessPublish = false;
                args.Response.ReasonCode = MqttPubAckReasonCode.QuotaExceeded;
                args.Response.ReasonString = "test quota";
            }

            return Task.CompletedTask;
        };
        await server.StartAsync();
        try
        {
            await using var probe = await MqttProbe.ConnectAsync(port, "painstream/#", cancellationToken: Ct);
            await using var harness = new PublisherHarness(new Core.Options.MqttOptions { Host = "127.0.0.1", Port = port, ClientId = "ps-refused", ReconnectMaxSeconds = 0.2 });
            await harness.StartAsync();
            await probe.WaitForAsync("painstream/available", "online");
            var events = AlertScenario.Episode("ward3", "bed-1", updates: 2);
            foreach (var e in events)
            {
                await harness.Publisher.EnqueueAlertAsync(e, Ct);
            }

            AssertSameEvents(events, await WaitForEventsAsync(probe, events.Count));
            var warnings = harness.Logger.Collector.GetSnapshot().Where(r => r.Id.Id == 4020).ToList();
            Assert.Equal(2, warnings.Count);
            Assert.All(warnings, w => Assert.Contains("QuotaExceeded", w.Message, StringComparison.Ordinal));
            Assert.True(harness.Publisher.IsConnected);
            harness.AssertNoErrorsLogged();
        }
        finally
        {
            await server.StopAsync();
        }
    }

    [Fact]
    public async Task PublishScore_BrokerAway_DroppedAndCountedWithoutBlocking()
    {
        await using var broker = TestBroker.NotStarted(BrokerKind.Embedded);
        await using var harness = new PublisherHarness(broker.PublisherOptions("ps-score-drop"));
        using var dropped = new MetricCollector<long>(harness.Meters, PainStreamInstruments.MeterName, PainStreamInstruments.MqttDropped);

        for (var i = 0; i < 100; i++)
        {
            harness.Publisher.PublishScore(new ScoreReport(new CameraId("ward3"), "bed-1", PublisherHarness.T0, 3, 3, PainAlertState.Idle, 0.9, "ok", "geometric"));
        }

        Assert.Equal(100, dropped.GetMeasurementSnapshot().Where(m => Equals(m.Tags["kind"], "score")).Sum(m => m.Value));
    }

    [Fact]
    public async Task EnqueueAlertAsync_InvalidBedName_ThrowsAndStoresNothing()
    {
        await using var broker = TestBroker.NotStarted(BrokerKind.Embedded);
        await using var harness = new PublisherHarness(broker.PublisherOptions("ps-invalid"));
        var e = AlertScenario.Episode("ward3", "bed-1", 0)[0] with { Bed = "bed/1" };

        await Assert.ThrowsAsync<ArgumentException>(async () => await harness.Publisher.EnqueueAlertAsync(e, Ct));
        Assert.Throws<ArgumentException>(() => harness.Publisher.PublishScore(new ScoreReport(new CameraId("ward3"), "bed+1", PublisherHarness.T0, 1, 1, PainAlertState.Idle, 1, "ok", "g")));

        Assert.Equal(0, harness.Publisher.OutboxDepth);
    }

    [Fact]
    public async Task EnqueueAlertAsync_StoreFails_ThrowsLogsAndKeepsTheBedState()
    {
        await using var broker = TestBroker.NotStarted(BrokerKind.Embedded);
        await using var harness = new PublisherHarness(broker.PublisherOptions("ps-store-fails"));
        var events = AlertScenario.Episode("ward3", "bed-1", 1);
        await harness.Publisher.EnqueueAlertAsync(events[0], Ct);

        // A disposed outbox stands in for a store that fails (disk gone); the event is not acknowledged as stored.
        harness.Publisher.Outbox.Dispose();
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await harness.Publisher.EnqueueAlertAsync(events[1], Ct));

        var error = Assert.Single(harness.Logger.Collector.GetSnapshot(), r => r.Level == LogLevel.Error);
        Assert.Equal(4018, error.Id.Id);
        Assert.Contains(events[1].Id, error.Message, StringComparison.Ordinal);
    }

    private static async Task<List<ReceivedEvent>> WaitForEventsAsync(MqttProbe probe, int count)
    {
        var after = 0;
        for (var i = 0; i < count; i++)
        {
            after = (await probe.WaitForAsync(m => m.Topic == Alerts, after)).Index + 1;
        }

        return Events(probe);
    }

    private static List<ReceivedEvent> Events(MqttProbe probe) =>
        [.. probe.Messages.Where(m => m.Topic == Alerts).Select(m =>
        {
            var json = JsonNode.Parse(m.Payload)!;
            return new ReceivedEvent((string)json["id"]!, (long)json["seq"]!, (string)json["type"]!, m.Payload);
        })];

    private static List<ReceivedEvent> Deduplicate(List<ReceivedEvent> events)
    {
        var seen = new Dictionary<(string, long), string>();
        var unique = new List<ReceivedEvent>();
        foreach (var e in events)
        {
            if (seen.TryGetValue((e.Id, e.Seq), out var payload))
            {
                Assert.Equal(payload, e.Payload);
                continue;
            }

            seen.Add((e.Id, e.Seq), e.Payload);
            unique.Add(e);
        }

        return unique;
    }

    private static void AssertSameEvents(List<AlertEvent> expected, List<ReceivedEvent> received)
    {
        Assert.Equal(expected.Select(e => e.Id + " " + AlertEventPayload.TypeName(e.Type)), received.Select(e => e.Id + " " + e.Type));
        for (var i = 1; i < received.Count; i++)
        {
            Assert.True(received[i].Seq > received[i - 1].Seq, $"seq not increasing at {i}: {received[i - 1].Seq} then {received[i].Seq}");
        }
    }

    private sealed record ReceivedEvent(string Id, long Seq, string Type, string Payload);
}
