// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using PainStream.Core.Diagnostics;
using PainStream.Core.Publishing;
using PainStream.Testing;

namespace PainStream.Alerts.Mqtt.Tests;

/// <summary>Nurse-station commands through a real broker: parsing, the handler, replies, robustness of the loop.</summary>
public sealed class AlertCommandTests
{
    private const string Bed = "painstream/ward3/bed-12";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Commands_Valid_ReachTheHandlerWithParsedValuesAndOkReplies()
    {
        var handler = new RecordingCommandHandler();
        await using var setup = await Setup.StartAsync("ps-cmd-ok", handler);
        using var commands = new MetricCollector<long>(setup.Harness.Meters, PainStreamInstruments.MeterName, PainStreamInstruments.MqttCommands);

        await setup.Probe.PublishAsync(Bed + "/ack", string.Empty, [1, 2, 3], Ct);
        await setup.Probe.PublishAsync(Bed + "/snooze", """{"minutes":30,"by":"nurse-7"}""", cancellationToken: Ct);
        await setup.Probe.PublishAsync("painstream/ward4/bed-2/baseline/reset", """{"by":"dr-who"}""", cancellationToken: Ct);

        var ack = await setup.ReplyAsync(Bed, 0);
        var snooze = await setup.ReplyAsync(Bed, ack.Index + 1);
        var reset = await setup.ReplyAsync("painstream/ward4/bed-2", 0);
        Assert.Equal([AlertCommandKind.Acknowledge, AlertCommandKind.Snooze, AlertCommandKind.BaselineReset], handler.Commands.Select(c => c.Kind));
        var parsed = handler.Commands.ToArray();
        // The user is the one the broker authenticated, whatever the payload's 'by' says.
        Assert.Equal(new AlertCommand(AlertCommandKind.Acknowledge, new("ward3"), "bed-12", User: TestBroker.Integrator), parsed[0]);
        Assert.Equal(new AlertCommand(AlertCommandKind.Snooze, new("ward3"), "bed-12", 30, "nurse-7", TestBroker.Integrator), parsed[1]);
        Assert.Equal(new AlertCommand(AlertCommandKind.BaselineReset, new("ward4"), "bed-2", 0, "dr-who", TestBroker.Integrator), parsed[2]);
        AssertReply(ack, "ack", ok: true, error: null);
        AssertReply(snooze, "snooze", ok: true, error: null);
        AssertReply(reset, "baseline/reset", ok: true, error: null);
        Assert.False(ack.Retain);
        Assert.Equal([1, 2, 3], ack.CorrelationData);
        Assert.Equal(3, commands.GetMeasurementSnapshot().Count(m => Equals(m.Tags["result"], "ok")));
        setup.Harness.AssertNoErrorsLogged();
    }

    [Fact]
    public async Task Commands_Invalid_ErrorReplyNamingTheProblemAndTheLoopGoesOn()
    {
        var handler = new RecordingCommandHandler();
        await using var setup = await Setup.StartAsync("ps-cmd-bad", handler);
        (string Topic, string Payload, string Command, string Error)[] bad =
        [
            (Bed + "/snooze", """{"minutes":-1}""", "snooze", "'minutes' must be an integer from 0 (cancels the snooze) to 1440"),
            (Bed + "/snooze", """{"minutes":1441,"by":"x"}""", "snooze", "'minutes' must be an integer from 0 (cancels the snooze) to 1440"),
            (Bed + "/snooze", """{"minutes":"5"}""", "snooze", "'minutes' must be an integer from 0 (cancels the snooze) to 1440"),
            (Bed + "/snooze", string.Empty, "snooze", "'minutes' is required"),
            (Bed + "/ack", "{\"by\":", "ack", "malformed JSON"),
            (Bed + "/ack", """{"by":"x","room":12}""", "ack", "unknown field 'room'"),
            (Bed + "/baseline/reset", """{"by":true}""", "baseline/reset", "'by' must be a string"),
            ("painstream/ward3/BED-12/ack", string.Empty, "ack", "invalid bed id 'BED-12'"),
        ];

        var after = 0;
        foreach (var (topic, payload, command, error) in bad)
        {
            await setup.Probe.PublishAsync(topic, payload, cancellationToken: Ct);
            var levels = topic.Split('/');
            var reply = await setup.ReplyAsync($"painstream/{levels[1]}/{levels[2]}", after);
            after = reply.Index + 1;
            AssertReply(reply, command, ok: false, error);

            // Written for people as well: no HTML-style escaping of quotes in the raw payload.
            Assert.DoesNotContain("\\u0027", reply.Payload, StringComparison.Ordinal);
        }

        // After all that, a good command still works.
        await setup.Probe.PublishAsync(Bed + "/snooze", """{"minutes":5}""", cancellationToken: Ct);
        AssertReply(await setup.ReplyAsync(Bed, after), "snooze", ok: true, error: null);
        Assert.Equal(new AlertCommand(AlertCommandKind.Snooze, new("ward3"), "bed-12", 5, User: TestBroker.Integrator), Assert.Single(handler.Commands));
        Assert.Equal(bad.Length, setup.Harness.Logger.Collector.GetSnapshot().Count(r => r.Id.Id == 4024 && r.Level == LogLevel.Warning));
        setup.Harness.AssertNoErrorsLogged();
    }

    [Fact]
    public async Task Commands_HandlerThrowsOrRefuses_ErrorReplyAndTheNextCommandIsHandled()
    {
        var calls = 0;
        var handler = new RecordingCommandHandler
        {
            Answer = c => Interlocked.Increment(ref calls) switch
            {
                1 => throw new InvalidOperationException("pipeline not started"),
                2 => AlertCommandResult.Fail("no such bed: bed-12"),
                _ => AlertCommandResult.Success,
            },
        };
        await using var setup = await Setup.StartAsync("ps-cmd-throw", handler);

        await setup.Probe.PublishAsync(Bed + "/ack", string.Empty, cancellationToken: Ct);
        var first = await setup.ReplyAsync(Bed, 0);
        await setup.Probe.PublishAsync(Bed + "/ack", string.Empty, cancellationToken: Ct);
        var second = await setup.ReplyAsync(Bed, first.Index + 1);
        await setup.Probe.PublishAsync(Bed + "/ack", string.Empty, cancellationToken: Ct);
        var third = await setup.ReplyAsync(Bed, second.Index + 1);

        AssertReply(first, "ack", ok: false, "internal error: the command could not be applied");
        AssertReply(second, "ack", ok: false, "no such bed: bed-12");
        AssertReply(third, "ack", ok: true, error: null);
        var error = Assert.Single(setup.Harness.Logger.Collector.GetSnapshot(), r => r.Level >= LogLevel.Error);
        Assert.Equal(4025, error.Id.Id);
        Assert.IsType<InvalidOperationException>(error.Exception);
    }

    [Fact]
    public async Task Commands_NoHandlerRegistered_RepliesCommandsNotAvailable()
    {
        await using var setup = await Setup.StartAsync("ps-cmd-none", handler: null);

        await setup.Probe.PublishAsync(Bed + "/snooze", """{"minutes":10}""", cancellationToken: Ct);

        AssertReply(await setup.ReplyAsync(Bed, 0), "snooze", ok: false, "commands not available");
        setup.Harness.AssertNoErrorsLogged();
    }

    [Fact]
    public async Task Commands_AfterTheConnectionWasCut_SubscribedAgain()
    {
        var handler = new RecordingCommandHandler();
        await using var broker = await TestBroker.StartAsync(BrokerKind.Mosquitto, Ct);
        await using var proxy = TcpProxy.Start(broker.Port);
        await using var probe = await MqttProbe.ConnectAsync(broker.Port, "painstream/#", cancellationToken: Ct);
        await using var harness = new PublisherHarness(broker.PublisherOptions("ps-cmd-resub", viaPort: proxy.Port), handler);
        await harness.StartAsync();
        var online = await probe.WaitForAsync("painstream/available", "online");

        proxy.AbortAll();
        var offline = await probe.WaitForAsync("painstream/available", "offline", online.Index + 1);
        var again = await probe.WaitForAsync("painstream/available", "online", offline.Index + 1);

        // Subscribed again before "online": a command sent right away is answered.
        await probe.PublishAsync(Bed + "/ack", string.Empty, cancellationToken: Ct);

        AssertReply(await probe.WaitForAsync(m => m.Topic == Bed + "/reply", again.Index + 1), "ack", ok: true, error: null);
        Assert.Single(handler.Commands);
        harness.AssertNoErrorsLogged();
    }

    [Fact]
    public async Task HandleCommandAsync_UnknownTopicShape_ErrorReplyWithoutCallingTheHandler()
    {
        var handler = new RecordingCommandHandler();
        await using var broker = TestBroker.NotStarted(BrokerKind.Embedded);
        await using var harness = new PublisherHarness(broker.PublisherOptions("ps-cmd-shape"), handler);

        var (topic, reply) = await harness.Publisher.HandleCommandAsync("painstream/ward3/bed-12/baseline/now", Encoding.UTF8.GetBytes("{}"), Ct);
        var (none, outside) = await harness.Publisher.HandleCommandAsync("painstream/ack", ReadOnlyMemory<byte>.Empty, Ct);

        Assert.Equal("painstream/ward3/bed-12/reply", topic);
        Assert.Equal("unknown", reply.Command);
        Assert.False(reply.Ok);
        Assert.StartsWith("unknown command topic 'painstream/ward3/bed-12/baseline/now'", reply.Error, StringComparison.Ordinal);
        Assert.Null(none);
        Assert.False(outside.Ok);
        Assert.Empty(handler.Commands);
    }

    private static void AssertReply(ProbeMessage reply, string command, bool ok, string? error)
    {
        var json = JsonNode.Parse(reply.Payload)!;
        Assert.Equal(command, (string?)json["command"]);
        Assert.Equal(ok, (bool?)json["ok"]);
        if (error is null)
        {
            Assert.Null(json["error"]);
        }
        else
        {
            Assert.StartsWith(error, (string?)json["error"], StringComparison.Ordinal);
        }

        Assert.True(DateTimeOffset.TryParse((string?)json["ts"], out _));
    }

    private sealed class Setup : IAsyncDisposable
    {
        private Setup(TestBroker broker, MqttProbe probe, PublisherHarness harness)
        {
            Broker = broker;
            Probe = probe;
            Harness = harness;
        }

        public TestBroker Broker { get; }

        public MqttProbe Probe { get; }

        public PublisherHarness Harness { get; }

        public static async Task<Setup> StartAsync(string clientId, IAlertCommandHandler? handler)
        {
            var broker = await TestBroker.StartAsync(BrokerKind.Embedded, Ct);
            MqttProbe? probe = null;
            PublisherHarness? harness = null;
            try
            {
                probe = await MqttProbe.ConnectAsync(broker.Port, "painstream/#", cancellationToken: Ct, configure: TestBroker.AsIntegrator);
                // Ownership passes to the returned Setup (or the catch below disposes it).
#pragma warning disable CA2000
                harness = new PublisherHarness(broker.PublisherOptions(clientId), handler);
#pragma warning restore CA2000
                await harness.StartAsync();

                // The publisher subscribes to the command topics before it says "online".
                await probe.WaitForAsync("painstream/available", "online");
                return new Setup(broker, probe, harness);
            }
            catch
            {
                if (harness is not null)
                {
                    await harness.DisposeAsync();
                }

                if (probe is not null)
                {
                    await probe.DisposeAsync();
                }

                await broker.DisposeAsync();
                throw;
            }
        }

        public Task<ProbeMessage> ReplyAsync(string bed, int after) => Probe.WaitForAsync(m => m.Topic == bed + "/reply", after);

        public async ValueTask DisposeAsync()
        {
            await Harness.DisposeAsync();
            await Probe.DisposeAsync();
            await Broker.DisposeAsync();
        }
    }
}
