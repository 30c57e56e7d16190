// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Text.Json;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using PainStream.Core.Cameras;
using PainStream.Core.Diagnostics;
using PainStream.Core.Publishing;
using PainStream.Testing;

namespace PainStream.Alerts.Mqtt.Tests;

/// <summary>The publisher against real brokers: the embedded MQTTnet.Server and Mosquitto.</summary>
public sealed class MqttPublisherTests
{
    private const string Available = "painstream/available";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(BrokerKind.Embedded)]
    [InlineData(BrokerKind.Mosquitto)]
    public async Task StartAsync_BrokerRunning_PublishesOnlineRetained(BrokerKind kind)
    {
        await using var broker = await TestBroker.StartAsync(kind, Ct);
        await using var probe = await MqttProbe.ConnectAsync(broker.Port, cancellationToken: Ct);
        await using var harness = new PublisherHarness(broker.PublisherOptions("ps-online"));

        await harness.StartAsync();

        var online = await probe.WaitForAsync(Available, "online");
        Assert.True(online.Retain);
        Assert.True(harness.Publisher.IsConnected);
        Assert.Null(harness.Publisher.LastError);
        Assert.NotNull(harness.Publisher.LastConnectedAt);

        // A dashboard that connects later still sees it.
        await using var late = await MqttProbe.ConnectAsync(broker.Port, Available, cancellationToken: Ct);
        Assert.True((await late.WaitForAsync(Available, "online")).Retain);
        harness.AssertNoErrorsLogged();
    }

    [Theory]
    [InlineData(BrokerKind.Embedded)]
    [InlineData(BrokerKind.Mosquitto)]
    public async Task PublishCameraStatus_Connected_PublishesRetainedJson(BrokerKind kind)
    {
        await using var broker = await TestBroker.StartAsync(kind, Ct);
        await using var probe = await MqttProbe.ConnectAsync(broker.Port, cancellationToken: Ct);
        await using var harness = new PublisherHarness(broker.PublisherOptions("ps-status"));
        await harness.StartAsync();
        await probe.WaitForAsync(Available, "online");

        harness.Publisher.PublishCameraStatus(PublisherHarness.Status("bed-1", CameraState.Offline, "ffmpeg exited (code 1)", reconnects: 3));
        harness.Publisher.PublishCameraStatus(PublisherHarness.Status("bed-2"));

        var offline = await probe.WaitForAsync(m => m.Topic == "painstream/bed-1/status");
        var online = await probe.WaitForAsync(m => m.Topic == "painstream/bed-2/status");
        Assert.True(offline.Retain);
        Assert.True(online.Retain);
        using (var json = JsonDocument.Parse(offline.Payload))
        {
            var root = json.RootElement;
            Assert.Equal("offline", root.GetProperty("state").GetString());
            Assert.Equal(12.35, root.GetProperty("fps").GetDouble());
            Assert.Equal(JsonValueKind.Null, root.GetProperty("lastFrameAt").ValueKind);
            Assert.Equal(3, root.GetProperty("reconnects").GetInt64());
            Assert.Equal("ffmpeg exited (code 1)", root.GetProperty("error").GetString());
            Assert.Equal("2026-03-04T05:06:07.89Z", root.GetProperty("since").GetString());
            Assert.Equal("all", root.GetProperty("decodeMode").GetString());
            Assert.Equal(JsonValueKind.Null, root.GetProperty("keyframeInterval").ValueKind);
            Assert.Equal(8, root.EnumerateObject().Count());
        }

        using (var json = JsonDocument.Parse(online.Payload))
        {
            var root = json.RootElement;
            Assert.Equal("online", root.GetProperty("state").GetString());
            Assert.Equal("2026-03-04T05:06:12.89Z", root.GetProperty("lastFrameAt").GetString());
            Assert.Equal(JsonValueKind.Null, root.GetProperty("error").ValueKind);
        }

        harness.AssertNoErrorsLogged();
    }

    [Theory]
    [InlineData(BrokerKind.Embedded)]
    [InlineData(BrokerKind.Mosquitto)]
    public async Task RemoveCamera_AfterStatus_ClearsTheRetainedStatus(BrokerKind kind)
    {
        await using var broker = await TestBroker.StartAsync(kind, Ct);
        await using var probe = await MqttProbe.ConnectAsync(broker.Port, cancellationToken: Ct);
        await using var harness = new PublisherHarness(broker.PublisherOptions("ps-remove"));
        await harness.StartAsync();
        await probe.WaitForAsync(Available, "online");
        harness.Publisher.PublishCameraStatus(PublisherHarness.Status("bed-9"));
        harness.Publisher.PublishCameraStatus(PublisherHarness.Status("bed-10"));
        await probe.WaitForAsync(m => m.Topic == "painstream/bed-9/status");
        await probe.WaitForAsync(m => m.Topic == "painstream/bed-10/status");

        var mark = probe.Count;
        harness.Publisher.RemoveCamera(new Core.Frames.CameraId("bed-9"));

        // The broker forwards the empty message, and a dashboard that connects afterwards gets no status for bed-9.
        await probe.WaitForAsync(m => m.Topic == "painstream/bed-9/status" && m.Payload.Length == 0, mark);
        await using var late = await MqttProbe.ConnectAsync(broker.Port, "painstream/+/status", cancellationToken: Ct);
        await late.WaitForAsync(m => m.Topic == "painstream/bed-10/status");
        await late.SyncAsync(Ct);
        Assert.DoesNotContain(late.Messages, m => m.Topic == "painstream/bed-9/status");
        harness.AssertNoErrorsLogged();
    }

    [Theory]
    [InlineData(BrokerKind.Embedded)]
    [InlineData(BrokerKind.Mosquitto)]
    public async Task PublishFaces_Connected_PublishesFacesJson(BrokerKind kind)
    {
        await using var broker = await TestBroker.StartAsync(kind, Ct);
        await using var probe = await MqttProbe.ConnectAsync(broker.Port, cancellationToken: Ct);
        await using var harness = new PublisherHarness(broker.PublisherOptions("ps-faces"));
        await harness.StartAsync();
        await probe.WaitForAsync(Available, "online");

        harness.Publisher.PublishFaces(PublisherHarness.Faces("bed-1", sequence: 42, faces: 2));

        var message = await probe.WaitForAsync(m => m.Topic == "painstream/bed-1/faces");
        Assert.False(message.Retain);
        using var json = JsonDocument.Parse(message.Payload);
        var root = json.RootElement;
        Assert.Equal("2026-03-04T05:06:07.932Z", root.GetProperty("ts").GetString());
        Assert.Equal(42, root.GetProperty("seq").GetInt64());
        Assert.Equal(2, root.GetProperty("count").GetInt32());
        Assert.Equal(640, root.GetProperty("width").GetInt32());
        Assert.Equal(480, root.GetProperty("height").GetInt32());
        Assert.Equal("blazeface-128", root.GetProperty("detector").GetString());
        Assert.Equal(3.46, root.GetProperty("detectMs").GetDouble());
        var faces = root.GetProperty("faces").EnumerateArray().ToList();
        Assert.Equal(2, faces.Count);
        var box = faces[0].GetProperty("box");
        Assert.Equal(10.0, box.GetProperty("x").GetDouble());
        Assert.Equal(20.1, box.GetProperty("y").GetDouble());
        Assert.Equal(100.4, box.GetProperty("w").GetDouble());
        Assert.Equal(120.6, box.GetProperty("h").GetDouble());
        Assert.Equal(11.0, faces[1].GetProperty("box").GetProperty("x").GetDouble());
        Assert.Equal(0.988, faces[0].GetProperty("score").GetDouble());
        harness.AssertNoErrorsLogged();
    }

    [Theory]
    [InlineData(BrokerKind.Embedded)]
    [InlineData(BrokerKind.Mosquitto)]
    public async Task PublishStats_Connected_PublishesCamelCaseStats(BrokerKind kind)
    {
        await using var broker = await TestBroker.StartAsync(kind, Ct);
        await using var probe = await MqttProbe.ConnectAsync(broker.Port, cancellationToken: Ct);
        await using var harness = new PublisherHarness(broker.PublisherOptions("ps-stats"));
        await harness.StartAsync();
        await probe.WaitForAsync(Available, "online");

        harness.Publisher.PublishStats(new PainStreamStats(
            PublisherHarness.T0,
            61.5,
            [new CameraStats("bed-1", "online", 25, 1000, 990, 10, 1, 2.5)],
            new Dictionary<string, int> { ["detect"] = 3 },
            FramesOutstanding: 4));

        var message = await probe.WaitForAsync(m => m.Topic == "painstream/stats");
        Assert.False(message.Retain);
        using var json = JsonDocument.Parse(message.Payload);
        var root = json.RootElement;
        Assert.Equal("2026-03-04T05:06:07.89Z", root.GetProperty("ts").GetString());
        Assert.Equal(61.5, root.GetProperty("uptimeSeconds").GetDouble());
        Assert.Equal(4, root.GetProperty("framesOutstanding").GetInt64());
        Assert.Equal(3, root.GetProperty("queues").GetProperty("detect").GetInt32());
        var camera = Assert.Single(root.GetProperty("cameras").EnumerateArray().ToList());
        Assert.Equal("bed-1", camera.GetProperty("camera").GetString());
        Assert.Equal(25, camera.GetProperty("fpsIn").GetDouble());
        Assert.Equal(990, camera.GetProperty("framesProcessed").GetInt64());
        Assert.Equal(2.5, camera.GetProperty("detectMilliseconds").GetDouble());
        harness.AssertNoErrorsLogged();
    }

    [Theory]
    [InlineData(BrokerKind.Embedded)]
    [InlineData(BrokerKind.Mosquitto)]
    public async Task StopAsync_Connected_PublishesStoppedAndNoWill(BrokerKind kind)
    {
        await using var broker = await TestBroker.StartAsync(kind, Ct);
        await using var probe = await MqttProbe.ConnectAsync(broker.Port, cancellationToken: Ct);
        await using var harness = new PublisherHarness(broker.PublisherOptions("ps-stop"));
        await harness.StartAsync();
        await probe.WaitForAsync(Available, "online");

        await harness.StopAsync();

        var stopped = await probe.WaitForAsync(Available, "stopped");
        Assert.True(stopped.Retain);
        Assert.False(harness.Publisher.IsConnected);

        // Round-trip a marker through the broker: a will sent on the disconnect would have been routed before it.
        await probe.SyncAsync(Ct);
        Assert.DoesNotContain(probe.Messages, m => m.Topic == Available && m.Payload == "offline");
        await using var late = await MqttProbe.ConnectAsync(broker.Port, Available, cancellationToken: Ct);
        Assert.Equal("stopped", (await late.WaitForAsync(m => m.Topic == Available)).Payload);
        harness.AssertNoErrorsLogged();
    }

    [Theory]
    [InlineData(BrokerKind.Embedded)]
    [InlineData(BrokerKind.Mosquitto)]
    public async Task StartAsync_BrokerDownAtStart_RetriesThenConnectsAndResendsStatuses(BrokerKind kind)
    {
        await using var broker = TestBroker.NotStarted(kind);
        await using var harness = new PublisherHarness(broker.PublisherOptions("ps-late"));
        using var published = new MetricCollector<long>(harness.Meters, PainStreamInstruments.MeterName, PainStreamInstruments.MqttPublished);
        harness.Publisher.PublishCameraStatus(PublisherHarness.Status("bed-1", CameraState.Offline, "starting"));
        harness.Publisher.PublishCameraStatus(PublisherHarness.Status("bed-1"));

        // One step of the loop, deterministically: the broker is not there.
        Assert.False(await harness.Publisher.ConnectOnceAsync(Ct));
        Assert.False(harness.Publisher.IsConnected);
        Assert.NotNull(harness.Publisher.LastError);
        Assert.Contains("refused", harness.Publisher.LastError, StringComparison.OrdinalIgnoreCase);
        Assert.Null(harness.Publisher.LastConnectedAt);

        await harness.StartAsync();
        await broker.StartAsync(Ct);

        // online + one status acknowledged. Only then subscribe: MQTTnet.Server can miss a retained message for a
        // subscriber whose SUBSCRIBE races the PUBLISH (it snapshots retained messages before adding the subscription).
        await published.WaitForMeasurementsAsync(2, MqttProbe.DefaultTimeout);
        await using var probe = await MqttProbe.ConnectAsync(broker.Port, cancellationToken: Ct);

        await probe.WaitForAsync(Available, "online");
        var status = await probe.WaitForAsync(m => m.Topic == "painstream/bed-1/status");
        Assert.True(status.Retain);
        Assert.Contains("\"state\":\"online\"", status.Payload, StringComparison.Ordinal);
        Assert.True(harness.Publisher.IsConnected);
        Assert.Null(harness.Publisher.LastError);
        harness.AssertNoErrorsLogged();
    }

    [Theory]
    [InlineData(BrokerKind.Embedded)]
    [InlineData(BrokerKind.Mosquitto)]
    public async Task BrokerRestart_WhilePublishing_ReconnectsAndRepublishesOnlineAndStatus(BrokerKind kind)
    {
        await using var broker = await TestBroker.StartAsync(kind, Ct);
        await using var harness = new PublisherHarness(broker.PublisherOptions("ps-restart"));
        using var published = new MetricCollector<long>(harness.Meters, PainStreamInstruments.MeterName, PainStreamInstruments.MqttPublished);
        await using (var before = await MqttProbe.ConnectAsync(broker.Port, cancellationToken: Ct))
        {
            await harness.StartAsync();
            harness.Publisher.PublishCameraStatus(PublisherHarness.Status("bed-1"));
            await before.WaitForAsync(m => m.Topic == "painstream/bed-1/status");
        }


        await broker.CrashAsync();

        // Changes while the broker is away are kept (latest per camera) and sent after the reconnect.
        harness.Publisher.PublishCameraStatus(PublisherHarness.Status("bed-1", CameraState.Offline, "rtsp timeout", reconnects: 1));
        harness.Publisher.PublishCameraStatus(PublisherHarness.Status("bed-2", CameraState.Disabled));
        var sentBefore = published.GetMeasurementSnapshot().Count;
        await broker.StartAsync(Ct);

        // online + two statuses again (see the note on MQTTnet.Server's subscribe race above).
        await published.WaitForMeasurementsAsync(sentBefore + 3, MqttProbe.DefaultTimeout);
        await using var after = await MqttProbe.ConnectAsync(broker.Port, cancellationToken: Ct);

        // Persistence is off, so these can only come from the publisher's republish after reconnecting.
        await after.WaitForAsync(Available, "online");
        var bed1 = await after.WaitForAsync(m => m.Topic == "painstream/bed-1/status");
        var bed2 = await after.WaitForAsync(m => m.Topic == "painstream/bed-2/status");
        Assert.Contains("\"error\":\"rtsp timeout\"", bed1.Payload, StringComparison.Ordinal);
        Assert.Contains("\"state\":\"disabled\"", bed2.Payload, StringComparison.Ordinal);
        Assert.True(harness.Publisher.IsConnected);
        harness.AssertNoErrorsLogged();
    }

    [Theory]
    [InlineData(BrokerKind.Embedded)]
    [InlineData(BrokerKind.Mosquitto)]
    public async Task LastWill_ConnectionCutWithoutDisconnect_BrokerPublishesOfflineThenPublisherReconnects(BrokerKind kind)
    {
        await using var broker = await TestBroker.StartAsync(kind, Ct);
        await using var proxy = TcpProxy.Start(broker.Port);
        await using var probe = await MqttProbe.ConnectAsync(broker.Port, Available, cancellationToken: Ct);
        await using var harness = new PublisherHarness(broker.PublisherOptions("ps-will", viaPort: proxy.Port));
        await harness.StartAsync();
        var online = await probe.WaitForAsync(Available, "online");

        // Like a crash or a cable pull: TCP reset at both ends, no MQTT DISCONNECT.
        proxy.AbortAll();

        var offline = await probe.WaitForAsync(Available, "offline", after: online.Index + 1);
        Assert.True(offline.Retain);
        await probe.WaitForAsync(Available, "online", after: offline.Index + 1);
        harness.AssertNoErrorsLogged();
    }
}
