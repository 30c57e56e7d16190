// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Text;
using System.Text.Json;
using PainStream.Core.Publishing;
using PainStream.Testing;

namespace PainStream.Alerts.Mqtt.Tests;

/// <summary>One of several instances behind one broker (issue 16): own client id, availability topic, Last Will, status field.</summary>
public sealed class InstanceTopicsTests
{
    private const string InstanceAvailable = "painstream/instances/painstream-1/available";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void Topics_WithInstance_HaveTheirOwnAvailabilityTopic()
    {
        Assert.Equal("painstream/available", MqttTopics.For("painstream").Available);
        Assert.Equal("painstream/available", MqttTopics.For("painstream", string.Empty).Available);
        Assert.Equal("ward/painstream/instances/east-2/available", MqttTopics.For("ward/painstream/", "east-2").Available);
    }

    [Fact]
    public void CameraStatusPayload_WithInstance_NamesIt_AndLeavesItOutForOneInstance()
    {
        var status = PublisherHarness.Status("bed-1");

        var sharded = JsonSerializer.Serialize(CameraStatusPayload.From(status, "painstream-1"), MqttJsonContext.Default.CameraStatusPayload);
        var single = JsonSerializer.Serialize(CameraStatusPayload.From(status), MqttJsonContext.Default.CameraStatusPayload);

        Assert.Equal("painstream-1", JsonDocument.Parse(sharded).RootElement.GetProperty("instance").GetString());
        Assert.False(JsonDocument.Parse(single).RootElement.TryGetProperty("instance", out _));
    }

    [Theory]
    [InlineData(BrokerKind.Embedded)]
    [InlineData(BrokerKind.Mosquitto)]
    public async Task Instance_OnlineStatusAndLastWill_GoToItsOwnTopics(BrokerKind kind)
    {
        await using var broker = await TestBroker.StartAsync(kind, Ct);
        await using var proxy = TcpProxy.Start(broker.Port);
        await using var probe = await MqttProbe.ConnectAsync(broker.Port, "painstream/#", cancellationToken: Ct);
        var options = broker.PublisherOptions("painstream", viaPort: proxy.Port);
        options.Instance = "painstream-1";
        await using var harness = new PublisherHarness(options);
        await harness.StartAsync();

        var online = await probe.WaitForAsync(InstanceAvailable, "online");
        Assert.True(online.Retain);
        harness.Publisher.PublishCameraStatus(PublisherHarness.Status("bed-1"));
        var status = await probe.WaitForAsync(m => m.Topic == "painstream/bed-1/status");
        Assert.Equal("painstream-1", JsonDocument.Parse(status.Payload).RootElement.GetProperty("instance").GetString());

        // A crash of this instance: its own Last Will, and the single-instance topic is never touched.
        proxy.AbortAll();
        var offline = await probe.WaitForAsync(InstanceAvailable, "offline", after: online.Index + 1);
        Assert.True(offline.Retain);
        Assert.DoesNotContain(probe.Messages, m => m.Topic == "painstream/available");
        harness.AssertNoErrorsLogged();
    }

    [Fact]
    public async Task HandleCommandAsync_CameraOfAnotherInstance_IsNotAnswered()
    {
        var handler = new RecordingCommandHandler { Answer = _ => AlertCommandResult.ForAnotherInstance };
        await using var broker = TestBroker.NotStarted(BrokerKind.Embedded);
        await using var harness = new PublisherHarness(broker.PublisherOptions("ps-cmd-other"), handler);

        var (topic, reply) = await harness.Publisher.HandleCommandAsync("painstream/ward3/bed-12/ack", Encoding.UTF8.GetBytes("{}"), Ct);

        Assert.Null(topic);
        Assert.False(reply.Ok);
        Assert.Single(handler.Commands);
    }
}
