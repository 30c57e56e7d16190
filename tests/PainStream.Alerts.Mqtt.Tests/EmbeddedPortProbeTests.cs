// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Testing;
using PainStream.Core.Options;
using PainStream.Testing;

namespace PainStream.Alerts.Mqtt.Tests;

public sealed class EmbeddedPortProbeTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ProbeAsync_NothingListens_IsFree()
    {
        var (state, _) = await EmbeddedPortProbe.ProbeAsync(new MqttOptions { EmbeddedPort = FreePort.Get() }, Timeout, Ct);

        Assert.Equal(EmbeddedPortState.Free, state);
    }

    [Fact]
    public async Task ProbeAsync_ABrokerListens_IsBroker()
    {
        // A real broker (MQTTnet's, as the embedded one) on the port.
        await using var broker = new EmbeddedBroker(new MqttOptions { EmbeddedPort = FreePort.Get() }, new FakeLogger(), TestBroker.Login);
        await broker.StartAsync(Ct);

        var (state, reason) = await EmbeddedPortProbe.ProbeAsync(new MqttOptions { EmbeddedPort = broker.Port }, Timeout, Ct);

        Assert.True(state == EmbeddedPortState.Broker, reason);
    }

    [Fact]
    public async Task ProbeAsync_AProgramThatIsNoBroker_IsOtherWithAReason()
    {
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        var port = ((IPEndPoint)squatter.LocalEndpoint).Port;
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var closer = CloseEveryConnectionAsync(squatter, cts.Token);

        var (state, reason) = await EmbeddedPortProbe.ProbeAsync(new MqttOptions { EmbeddedPort = port }, Timeout, Ct);
        await cts.CancelAsync();
        try
        {
            await closer;
        }
        catch (OperationCanceledException)
        {
            // The listener stopped accepting: expected.
        }

        Assert.Equal(EmbeddedPortState.Other, state);
        Assert.Contains("did not accept an MQTT connection", reason, StringComparison.Ordinal);
    }

    /// <summary>Accepts and closes every connection, as a program speaking another protocol would.</summary>
    private static async Task CloseEveryConnectionAsync(TcpListener listener, CancellationToken cancellationToken)
    {
        while (true)
        {
            using var client = await listener.AcceptTcpClientAsync(cancellationToken);
        }
    }
}
