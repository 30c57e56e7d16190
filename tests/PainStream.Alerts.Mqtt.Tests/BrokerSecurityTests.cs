// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging.Testing;
using MQTTnet;
using MQTTnet.Formatter;
using PainStream.Core.Diagnostics;
using PainStream.Core.Options;
using PainStream.Core.Publishing;
using PainStream.Testing;

namespace PainStream.Alerts.Mqtt.Tests;

/// <summary>Who may connect, publish and command at the embedded broker; identities in replies; TLS; the password file.</summary>
public sealed class BrokerSecurityTests
{
    private const string Bed = "painstream/ward3/bed-12";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task PasswordFile_MadeByMosquittoPasswd_VerifiesTheRightPasswordOnly()
    {
        using var directory = new TempDirectory();
        var path = directory.File("users");
        await RunAsync("mosquitto_passwd", "-c", "-b", path, "anna", "s3cret pass");
        await RunAsync("mosquitto_passwd", "-b", path, "ben", "other");

        var file = PasswordFile.Load(path);

        Assert.Equal(["anna", "ben"], file.Users.Order());
        Assert.True(file.Verify("anna", "s3cret pass"u8));
        Assert.False(file.Verify("anna", "s3cret pasS"u8));
        Assert.False(file.Verify("ben", "s3cret pass"u8));
        Assert.False(file.Verify("carl", "other"u8));
    }

    [Fact]
    public void PasswordFile_PlaintextOrOtherHash_RefusedNamingFileAndLine()
    {
        using var directory = new TempDirectory();
        var path = directory.File("users");
        File.WriteAllLines(path, ["# users", PasswordFile.Entry("anna", "x"), "ben:hunter2secret"]);

        var ex = Assert.Throws<InvalidDataException>(() => PasswordFile.Load(path));

        Assert.StartsWith(path + ", line 3: expected 'user:$7$", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2secret", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Anonymous", "painstream/available", false)]
    [InlineData("Anonymous", "painstream/alerts", false)]
    [InlineData("Anonymous", "painstream/ward3/status", false)]
    [InlineData("Nurse", "painstream/ward3/bed-12/alert", false)]
    [InlineData("Integrator", "painstream/ward3/bed-12/reply", false)]
    [InlineData("Integrator", "painstream/ward3/bed-12/score", false)]
    [InlineData("Anonymous", "painstream/ward3/bed-12/ack", true)]
    [InlineData("Anonymous", "painstream/ward3/bed-12/baseline/reset", false)]
    [InlineData("Nurse", "painstream/ward3/bed-12/snooze", true)]
    [InlineData("Nurse", "painstream/ward3/bed-12/reboot", true)]
    [InlineData("Nurse", "painstream/ward3/bed-12/baseline/reset", false)]
    [InlineData("Reader", "painstream/ward3/bed-12/ack", false)]
    [InlineData("Integrator", "painstream/ward3/bed-12/baseline/reset", true)]
    [InlineData("Reader", "elsewhere/anything", true)]
    [InlineData("Daemon", "painstream/available", true)]
    internal void CanPublish_Matrix(string role, string topic, bool allowed)
    {
        var security = new BrokerSecurity(new MqttOptions(), EmbeddedBrokerLogin.Create("painstream"), null, anonymous: true);

        var refusal = security.CanPublish(Enum.Parse<BrokerRole>(role), topic);

        Assert.True(allowed == (refusal is null), refusal);
    }

    [Fact]
    public async Task Anonymous_CannotPublishOutputTopicsNorResetABaseline_CanAcknowledge()
    {
        var handler = new RecordingCommandHandler();
        await using var setup = await SecuredSetup.StartAsync("ps-sec-anon", handler);
        await using var anonymous = await MqttProbe.ConnectAsync(setup.Broker.Port, "painstream/#", cancellationToken: Ct);

        var fakeAlert = await anonymous.PublishAsync("painstream/alerts", """{"type":"new"}""", cancellationToken: Ct);
        var fakeAvailable = await anonymous.PublishAsync("painstream/available", "offline", cancellationToken: Ct);
        var fakeState = await anonymous.PublishAsync(Bed + "/alert", """{"state":"none"}""", cancellationToken: Ct);
        var reset = await anonymous.PublishAsync(Bed + "/baseline/reset", string.Empty, cancellationToken: Ct);
        var ack = await anonymous.PublishAsync(Bed + "/ack", """{"by":"nurse-anna"}""", cancellationToken: Ct);

        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, fakeAlert.ReasonCode);
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, fakeAvailable.ReasonCode);
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, fakeState.ReasonCode);
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, reset.ReasonCode);
        Assert.True(ack.IsSuccess, ack.ReasonCode.ToString());
        var reply = JsonNode.Parse((await setup.Observer.WaitForAsync(m => m.Topic == Bed + "/reply")).Payload)!;
        Assert.Equal(("ack", true), ((string)reply["command"]!, (bool)reply["ok"]!));
        Assert.StartsWith("anonymous:probe-", (string)reply["user"]!, StringComparison.Ordinal);
        var command = Assert.Single(handler.Commands);
        Assert.Equal((AlertCommandKind.Acknowledge, "nurse-anna"), (command.Kind, command.By));
        Assert.StartsWith("anonymous:probe-", command.User, StringComparison.Ordinal);

        // Nothing the anonymous client published reached anyone: "available" is still PainStream's "online".
        await setup.Observer.SyncAsync(Ct);
        Assert.DoesNotContain(setup.Observer.Messages, m => m.Topic == "painstream/alerts" || m.Topic == Bed + "/alert" || m.Payload == "offline");
        await using var late = await MqttProbe.ConnectAsync(setup.Broker.Port, "painstream/available", cancellationToken: Ct);
        await late.WaitForAsync("painstream/available", "online");
    }

    [Fact]
    public async Task Nurse_AcksAndSnoozes_RepliesNameTheUser_ResetRefused_SnoozeOverTheMaximumRefused()
    {
        var handler = new RecordingCommandHandler();
        await using var setup = await SecuredSetup.StartAsync("ps-sec-nurse", handler);
        await using var nurse = await MqttProbe.ConnectAsync(setup.Broker.Port, Bed + "/reply", configure: TestBroker.As(TestBroker.Nurse, TestBroker.NursePassword), cancellationToken: Ct);
        using var commands = new MetricCollector<long>(setup.Harness.Meters, PainStreamInstruments.MeterName, PainStreamInstruments.MqttCommands);

        var reset = await nurse.PublishAsync(Bed + "/baseline/reset", string.Empty, cancellationToken: Ct);
        await nurse.PublishAsync(Bed + "/ack", """{"by":"somebody-else"}""", cancellationToken: Ct);
        await nurse.PublishAsync(Bed + "/snooze", """{"minutes":15}""", cancellationToken: Ct);
        await nurse.PublishAsync(Bed + "/snooze", """{"minutes":61}""", cancellationToken: Ct);

        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, reset.ReasonCode);
        var replies = new List<JsonNode>();
        var after = 0;
        for (var i = 0; i < 3; i++)
        {
            var message = await nurse.WaitForAsync(m => m.Topic == Bed + "/reply", after);
            after = message.Index + 1;
            replies.Add(JsonNode.Parse(message.Payload)!);
        }

        Assert.All(replies, r => Assert.Equal(TestBroker.Nurse, (string)r["user"]!));
        Assert.Equal([("ack", true), ("snooze", true), ("snooze", false)], replies.Select(r => ((string)r["command"]!, (bool)r["ok"]!)));
        Assert.Equal("a snooze of 61 minutes is refused: at most 60 (Mqtt:MaxSnoozeMinutes)", (string)replies[2]["error"]!);
        foreach (var reply in replies)
        {
            Assert.Empty(await PayloadSchemas.ValidateAsync(PayloadSchemas.CommandReply, reply.ToJsonString()));
        }

        Assert.Equal([TestBroker.Nurse, TestBroker.Nurse], handler.Commands.Select(c => c.User));
        Assert.Equal("somebody-else", handler.Commands.First().By);
        Assert.Equal(1, commands.GetMeasurementSnapshot().Count(m => Equals(m.Tags["result"], "rejected")));
    }

    [Fact]
    public async Task ClientSuppliedIdentity_IsReplacedByTheAuthenticatedOne()
    {
        var handler = new RecordingCommandHandler();
        await using var setup = await SecuredSetup.StartAsync("ps-sec-spoof", handler);
        using var client = new MqttClientFactory().CreateMqttClient();
        await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", setup.Broker.Port).WithProtocolVersion(MqttProtocolVersion.V500)
            .WithCredentials(TestBroker.Nurse, TestBroker.NursePassword).Build(), Ct);

        await client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(Bed + "/ack").WithUserProperty(BrokerSecurity.UserProperty, System.Text.Encoding.UTF8.GetBytes(TestBroker.Integrator).AsMemory()).WithQualityOfServiceLevel(MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce).Build(), Ct);
        await handler.WaitForAsync(1, MqttProbe.DefaultTimeout);

        Assert.Equal(TestBroker.Nurse, Assert.Single(handler.Commands).User);
    }

    [Fact]
    public async Task UnknownCommandTopics_AnsweredAndCountedRejected_OwnOutputIgnored()
    {
        var handler = new RecordingCommandHandler();
        await using var setup = await SecuredSetup.StartAsync("ps-sec-unknown", handler);
        using var commands = new MetricCollector<long>(setup.Harness.Meters, PainStreamInstruments.MeterName, PainStreamInstruments.MqttCommands);

        await setup.Integrator.PublishAsync(Bed + "/reboot", "{}", cancellationToken: Ct);
        await setup.Integrator.PublishAsync(Bed + "/ack/extra", string.Empty, cancellationToken: Ct);
        var first = await setup.Observer.WaitForAsync(m => m.Topic == Bed + "/reply");
        var second = await setup.Observer.WaitForAsync(m => m.Topic == Bed + "/reply", first.Index + 1);

        Assert.StartsWith("unknown command topic 'painstream/ward3/bed-12/reboot'", (string)JsonNode.Parse(first.Payload)!["error"]!, StringComparison.Ordinal);
        Assert.StartsWith("unknown command topic 'painstream/ward3/bed-12/ack/extra'", (string)JsonNode.Parse(second.Payload)!["error"]!, StringComparison.Ordinal);
        Assert.Empty(handler.Commands);
        Assert.Equal(2, commands.GetMeasurementSnapshot().Count(m => Equals(m.Tags["result"], "rejected") && Equals(m.Tags["command"], "unknown")));

        // Its own replies come back on a matching filter, but are not taken for commands (no reply to a reply).
        await setup.Observer.SyncAsync(Ct);
        Assert.Equal(2, setup.Observer.Messages.Count(m => m.Topic == Bed + "/reply"));
    }

    [Fact]
    public async Task RateLimit_PerClient_RefusedWithAReply()
    {
        var handler = new RecordingCommandHandler();
        await using var setup = await SecuredSetup.StartAsync("ps-sec-rate", handler, new MqttOptions { CommandsPerMinutePerClient = 3 });
        await using var nurse = await MqttProbe.ConnectAsync(setup.Broker.Port, Bed + "/reply", configure: TestBroker.As(TestBroker.Nurse, TestBroker.NursePassword), cancellationToken: Ct);

        for (var i = 0; i < 4; i++)
        {
            await nurse.PublishAsync(Bed + "/ack", string.Empty, cancellationToken: Ct);
        }

        await setup.Integrator.PublishAsync(Bed + "/ack", string.Empty, cancellationToken: Ct);
        await setup.Observer.WaitForAsync(m => m.Topic == Bed + "/reply" && m.Payload.Contains(TestBroker.Integrator, StringComparison.Ordinal));
        var refused = await nurse.WaitForAsync(m => m.Payload.Contains("\"ok\":false", StringComparison.Ordinal));

        Assert.Equal("rate limit: at most 3 commands per minute per client (Mqtt:CommandsPerMinutePerClient)", (string)JsonNode.Parse(refused.Payload)!["error"]!);
        Assert.Equal(4, handler.Commands.Count); // three of the nurse's, one of the integrator's
    }

    [Fact]
    public async Task CommandFlood_EveryCommandAnswered_OverTheRateRefused()
    {
        const int Clients = 10;
        const int PerClient = 300;
        var handler = new RecordingCommandHandler();
        await using var setup = await SecuredSetup.StartAsync("ps-sec-flood", handler);
        await using var replies = await MqttProbe.ConnectAsync(setup.Broker.Port, "painstream/flood/+/reply", cancellationToken: Ct);
        var senders = new List<MqttProbe>();
        try
        {
            for (var c = 0; c < Clients; c++)
            {
                senders.Add(await MqttProbe.ConnectAsync(setup.Broker.Port, "painstream-none", cancellationToken: Ct));
            }

            await Task.WhenAll(senders.Select(async (sender, c) =>
            {
                for (var i = 0; i < PerClient; i++)
                {
                    await sender.PublishAsync($"painstream/flood/bed-{c}/ack", string.Empty, cancellationToken: Ct);
                }
            }));
            var clock = Stopwatch.StartNew();
            while (replies.Count < Clients * PerClient && clock.Elapsed < TimeSpan.FromSeconds(60))
            {
                await Task.Delay(50, Ct);
            }
        }
        finally
        {
            foreach (var sender in senders)
            {
                await sender.DisposeAsync();
            }
        }

        var all = replies.Messages.Select(m => JsonNode.Parse(m.Payload)!).ToList();
        var ok = all.Count(r => (bool)r["ok"]!);
        var limited = all.Count(r => ((string?)r["error"])?.StartsWith("rate limit", StringComparison.Ordinal) == true);
        var busy = all.Count(r => ((string?)r["error"])?.StartsWith("busy", StringComparison.Ordinal) == true);
        TestContext.Current.TestOutputHelper?.WriteLine($"flood: sent {Clients * PerClient}, replied {all.Count}, ok {ok}, rate-limited {limited}, busy {busy}");
        Assert.Equal(Clients * PerClient, all.Count);
        Assert.Equal(all.Count, ok + limited + busy);

        // Each sender gets its per-minute allowance; a command answered "busy" never reached the rate limit.
        Assert.InRange(ok, Clients * new MqttOptions().CommandsPerMinutePerClient - busy, Clients * new MqttOptions().CommandsPerMinutePerClient);
        Assert.Equal(ok, handler.Commands.Count);
    }

    [Fact]
    public async Task BeyondLoopback_WithoutPasswordFile_RefusesToStart_WithPasswordFile_RequiresLogin()
    {
        var unsafeBroker = new EmbeddedBroker(new MqttOptions { EmbeddedAddress = "0.0.0.0", EmbeddedPort = FreePort.Get() }, new FakeLogger(), TestBroker.Login);
        await using (unsafeBroker)
        {
            var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => unsafeBroker.StartAsync(Ct));
            Assert.Contains("Mqtt:PasswordFile", ex.Message, StringComparison.Ordinal);
            Assert.False(unsafeBroker.IsRunning);
        }

        await using var test = TestBroker.NotStarted(BrokerKind.Embedded);
        var options = test.BrokerOptions;
        options.EmbeddedAddress = "0.0.0.0";
        await using var broker = new EmbeddedBroker(options, new FakeLogger(), TestBroker.Login);
        await broker.StartAsync(Ct);

        var anonymous = await Assert.ThrowsAnyAsync<Exception>(() => MqttProbe.ConnectAsync(broker.Port, cancellationToken: Ct));
        Assert.Contains("NotAuthorized", anonymous.ToString(), StringComparison.Ordinal);
        var wrong = await Assert.ThrowsAnyAsync<Exception>(() => MqttProbe.ConnectAsync(broker.Port, configure: TestBroker.As(TestBroker.Nurse, "guess"), cancellationToken: Ct));
        Assert.Contains("NotAuthorized", wrong.ToString(), StringComparison.Ordinal);
        var taken = await Assert.ThrowsAnyAsync<Exception>(() => MqttProbe.ConnectAsync(broker.Port, session: "painstream", configure: TestBroker.As(TestBroker.Nurse, TestBroker.NursePassword), cancellationToken: Ct));
        Assert.Contains("NotAuthorized", taken.ToString(), StringComparison.Ordinal);
        await using var visitor = await MqttProbe.ConnectAsync(broker.Port, configure: TestBroker.As(TestBroker.Visitor, TestBroker.VisitorPassword), cancellationToken: Ct);
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, (await visitor.PublishAsync(Bed + "/ack", string.Empty, cancellationToken: Ct)).ReasonCode);
    }

    [Fact]
    public async Task Tls_EmbeddedBrokerWithTestCa_PublisherAndProbeConnect_UnknownCaRefused()
    {
        using var certificates = await TestCertificates.CreateAsync(Ct);
        await using var test = TestBroker.NotStarted(BrokerKind.Embedded);
        var options = test.BrokerOptions;
        options.EmbeddedTlsPort = FreePort.Get();
        options.TlsCertificateFile = certificates.ServerCertificateFile;
        options.TlsKeyFile = certificates.ServerKeyFile;
        await using var broker = new EmbeddedBroker(options, new FakeLogger(), TestBroker.Login);
        await broker.StartAsync(Ct);
        var tlsPort = options.EmbeddedTlsPort;

        // The publisher as towards an external broker: TLS, the test CA, a client certificate, a user.
        var publisherOptions = new MqttOptions
        {
            Host = "localhost",
            Port = tlsPort,
            UseTls = true,
            CaFile = certificates.CaFile,
            ClientCertificateFile = certificates.ClientCertificateFile,
            ClientKeyFile = certificates.ClientKeyFile,
            Username = TestBroker.Integrator,
            Password = TestBroker.IntegratorPassword,
            ClientId = "ps-tls",
            ReconnectMaxSeconds = 0.2,
        };
        await using var harness = new PublisherHarness(publisherOptions);
        await harness.StartAsync();
        await using var probe = await MqttProbe.ConnectAsync(
            tlsPort,
            "painstream/available",
            host: "localhost",
            configure: b => b.WithCredentials(TestBroker.Nurse, TestBroker.NursePassword).WithTlsOptions(t => t.UseTls().WithTrustChain(CaCollection(certificates.CaFile))),
            cancellationToken: Ct);
        await WaitUntilAsync(() => harness.Publisher.IsConnected);
        Assert.True(harness.Publisher.IsConnected, harness.Publisher.LastError);

        // A broker certificate the configured CA did not sign is refused.
        await using var doubting = new PublisherHarness(new MqttOptions { Host = "localhost", Port = tlsPort, UseTls = true, CaFile = certificates.OtherCaFile, ClientId = "ps-tls-other", ReconnectMaxSeconds = 0.2 });
        await doubting.StartAsync();
        await WaitUntilAsync(() => doubting.Publisher.LastError is not null);
        Assert.False(doubting.Publisher.IsConnected);
    }

    private static System.Security.Cryptography.X509Certificates.X509Certificate2Collection CaCollection(string path)
    {
        var collection = new System.Security.Cryptography.X509Certificates.X509Certificate2Collection();
        collection.ImportFromPemFile(path);
        return collection;
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var clock = Stopwatch.StartNew();
        while (!condition() && clock.Elapsed < MqttProbe.DefaultTimeout)
        {
            await Task.Delay(20, Ct);
        }
    }

    private static async Task RunAsync(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var errors = await process.StandardError.ReadToEndAsync(Ct);
        await process.WaitForExitAsync(Ct);
        Assert.True(process.ExitCode == 0, file + ": " + errors);
    }

    /// <summary>A publisher at the embedded test broker, an anonymous observer and a logged-in integrator.</summary>
    private sealed class SecuredSetup : IAsyncDisposable
    {
        private SecuredSetup(TestBroker broker, PublisherHarness harness, MqttProbe observer, MqttProbe integrator)
        {
            Broker = broker;
            Harness = harness;
            Observer = observer;
            Integrator = integrator;
        }

        public TestBroker Broker { get; }

        public PublisherHarness Harness { get; }

        public MqttProbe Observer { get; }

        public MqttProbe Integrator { get; }

        public static async Task<SecuredSetup> StartAsync(string clientId, IAlertCommandHandler handler, MqttOptions? overrides = null)
        {
            var broker = await TestBroker.StartAsync(BrokerKind.Embedded, Ct);
            var options = broker.PublisherOptions(clientId);
            options.CommandsPerMinutePerClient = overrides?.CommandsPerMinutePerClient ?? options.CommandsPerMinutePerClient;
#pragma warning disable CA2000 // ownership passes to the setup
            var harness = new PublisherHarness(options, handler);
#pragma warning restore CA2000
            var observer = await MqttProbe.ConnectAsync(broker.Port, "painstream/#", cancellationToken: Ct);
            await harness.StartAsync();
            await observer.WaitForAsync("painstream/available", "online");
            var integrator = await MqttProbe.ConnectAsync(broker.Port, "painstream-none/#", configure: TestBroker.AsIntegrator, cancellationToken: Ct);
            return new SecuredSetup(broker, harness, observer, integrator);
        }

        public async ValueTask DisposeAsync()
        {
            await Integrator.DisposeAsync();
            await Harness.DisposeAsync();
            await Observer.DisposeAsync();
            await Broker.DisposeAsync();
        }
    }
}
