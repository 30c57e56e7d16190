// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Diagnostics;
using System.Text.Json.Nodes;
using MQTTnet;
using PainStream.Core.Options;
using PainStream.Testing;

namespace PainStream.Alerts.Mqtt.Tests;

/// <summary>Against a real Mosquitto: the README's acl_file example, and recovery after a 30 s outage with the default reconnect.</summary>
public sealed class MosquittoSecurityAndRecoveryTests
{
    private const string Bed = "painstream/ward3/bed-12";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ShippedAclExample_NurseAcksButCannotReset_IntegratorResets_OnlyPainStreamPublishesOutput()
    {
        using var directory = new TempDirectory();
        var passwords = directory.File("painstream.passwd");
        await File.WriteAllLinesAsync(passwords, [
            PasswordFile.Entry("painstream", "daemon-secret"),
            PasswordFile.Entry(TestBroker.Nurse, TestBroker.NursePassword),
            PasswordFile.Entry(TestBroker.Integrator, TestBroker.IntegratorPassword),
            PasswordFile.Entry(TestBroker.Visitor, TestBroker.VisitorPassword),
        ], Ct);
        var acl = Path.Combine(TestPaths.RepoRoot, "config", "mosquitto", "painstream.acl");
        await using var mosquitto = await Mosquitto.StartWithAccessAsync(["allow_anonymous false", "password_file " + passwords, "acl_file " + acl], Ct);
        var handler = new RecordingCommandHandler();
        await using var harness = new PublisherHarness(
            new MqttOptions { Host = "127.0.0.1", Port = mosquitto.Port, ClientId = "ps-acl", Username = "painstream", Password = "daemon-secret", ReconnectMaxSeconds = 0.2 },
            handler);
        await using var visitor = await MqttProbe.ConnectAsync(mosquitto.Port, "painstream/#", configure: TestBroker.As(TestBroker.Visitor, TestBroker.VisitorPassword), cancellationToken: Ct);
        await harness.StartAsync();
        await visitor.WaitForAsync("painstream/available", "online");
        await using var nurse = await MqttProbe.ConnectAsync(mosquitto.Port, "painstream-none", configure: TestBroker.As(TestBroker.Nurse, TestBroker.NursePassword), cancellationToken: Ct);
        await using var integrator = await MqttProbe.ConnectAsync(mosquitto.Port, "painstream-none", configure: TestBroker.AsIntegrator, cancellationToken: Ct);

        var fakeAlert = await nurse.PublishAsync("painstream/alerts", """{"type":"new"}""", cancellationToken: Ct);
        var fakeAvailable = await visitor.PublishAsync("painstream/available", "offline", cancellationToken: Ct);
        var nurseReset = await nurse.PublishAsync(Bed + "/baseline/reset", string.Empty, cancellationToken: Ct);
        var visitorAck = await visitor.PublishAsync(Bed + "/ack", string.Empty, cancellationToken: Ct);
        await nurse.PublishAsync(Bed + "/ack", string.Empty, cancellationToken: Ct);
        await nurse.PublishAsync(Bed + "/snooze", """{"minutes":10}""", cancellationToken: Ct);
        await integrator.PublishAsync(Bed + "/baseline/reset", string.Empty, cancellationToken: Ct);
        await handler.WaitForAsync(3, MqttProbe.DefaultTimeout);

        Assert.All([fakeAlert, fakeAvailable, nurseReset, visitorAck], r => Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, r.ReasonCode));
        Assert.Equal(
            [Core.Publishing.AlertCommandKind.Acknowledge, Core.Publishing.AlertCommandKind.Snooze, Core.Publishing.AlertCommandKind.BaselineReset],
            handler.Commands.Select(c => c.Kind));

        // Towards an external broker the user property is not trusted unless configured: no identity is claimed.
        Assert.All(handler.Commands, c => Assert.Null(c.User));
        var reply = await visitor.WaitForAsync(m => m.Topic == Bed + "/reply");
        reply = await visitor.WaitForAsync(m => m.Topic == Bed + "/reply", reply.Index + 1);
        await visitor.WaitForAsync(m => m.Topic == Bed + "/reply", reply.Index + 1);
        Assert.DoesNotContain(visitor.Messages, m => m.Topic == "painstream/alerts" || m.Payload == "offline");
        Assert.Equal(3, visitor.Messages.Count(m => m.Topic == Bed + "/reply"));
    }

    [Fact]
    public async Task BrokerDown30Seconds_DefaultReconnect_QueuedEventsDeliveredOnItsReturn()
    {
        await using var broker = await TestBroker.StartAsync(BrokerKind.Mosquitto, Ct);
        await using var proxy = TcpProxy.Start(broker.Port);
        var options = broker.PublisherOptions("ps-30s", viaPort: proxy.Port);
        options.ReconnectMaxSeconds = new MqttOptions().ReconnectMaxSeconds;
        await using var harness = new PublisherHarness(options);
        var episode = AlertScenario.Episode("ward3", "bed-1", updates: 2);
        await using (var probe = await MqttProbe.ConnectAsync(broker.Port, "painstream/available", cancellationToken: Ct))
        {
            await harness.StartAsync();
            await probe.WaitForAsync("painstream/available", "online");
        }

        // Down: the broker is killed and nothing can connect for 30 s; the episode happens meanwhile.
        proxy.RefuseNew = true;
        await broker.CrashAsync();
        foreach (var e in episode)
        {
            await harness.Publisher.EnqueueAlertAsync(e, Ct);
        }

        await Task.Delay(TimeSpan.FromSeconds(30), Ct);
        Assert.Equal(2 * episode.Count, harness.Publisher.OutboxDepth);

        // Back: a subscriber is there first, then the broker is reachable again.
        await broker.StartAsync(Ct);
        await using var after = await MqttProbe.ConnectAsync(broker.Port, "painstream/alerts", cancellationToken: Ct);
        var back = Stopwatch.StartNew();
        proxy.RefuseNew = false;
        var end = await after.WaitForAsync(m => m.Payload.Contains(episode[^1].Id, StringComparison.Ordinal) && m.Payload.Contains("\"type\":\"end\"", StringComparison.Ordinal), timeout: TimeSpan.FromSeconds(30));
        var delay = back.Elapsed;

        // The delay itself is a figure for bench/fault-run; here: every event arrived, in order.
        TestContext.Current.TestOutputHelper?.WriteLine($"delivered {delay.TotalSeconds:0.00} s after the broker's return");
        Assert.Equal(episode.Select(e => e.Id + ":" + e.Type.ToString().ToLowerInvariant()), after.Messages.Where(m => m.Index <= end.Index).Select(m => (string)JsonNode.Parse(m.Payload)!["id"]! + ":" + (string)JsonNode.Parse(m.Payload)!["type"]!));
        harness.AssertNoErrorsLogged();
    }
}
