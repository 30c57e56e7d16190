// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Testing;
using PainStream.Core.Options;
using PainStream.Testing;

namespace PainStream.Alerts.Mqtt.Tests;

public sealed class EmbeddedBrokerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task StartAsync_PortInUse_ThrowsNamingPortAndKey()
    {
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        var port = ((IPEndPoint)squatter.LocalEndpoint).Port;
        await using var broker = new EmbeddedBroker(new MqttOptions { EmbeddedPort = port }, new FakeLogger());

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => broker.StartAsync(Ct));

        Assert.Contains($"127.0.0.1:{port}", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Mqtt:EmbeddedPort", ex.Message, StringComparison.Ordinal);
        Assert.False(broker.IsRunning);
    }

    [Fact]
    public async Task StartAsync_FreePort_LogsListeningAndAcceptsClients()
    {
        var logger = new FakeLogger();
        await using var broker = new EmbeddedBroker(new MqttOptions { EmbeddedPort = FreePort.Get() }, logger);

        await broker.StartAsync(Ct);

        Assert.True(broker.IsRunning);
        Assert.Contains(logger.Collector.GetSnapshot(), r => r.Message == $"embedded MQTT broker listening on 127.0.0.1:{broker.Port}");
        await using var probe = await MqttProbe.ConnectAsync(broker.Port, cancellationToken: Ct);
        await broker.StopAsync(Ct);
        Assert.False(broker.IsRunning);
    }

    [Fact]
    public async Task StartAsync_FreePort_ListensOnIpv4LoopbackOnly()
    {
        await using var broker = new EmbeddedBroker(new MqttOptions { EmbeddedPort = FreePort.Get() }, new FakeLogger());
        await broker.StartAsync(Ct);

        var others = NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == OperationalStatus.Up)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .Where(a => !IPAddress.IsLoopback(a) && !a.IsIPv6LinkLocal)
            .Append(IPAddress.IPv6Loopback)
            .ToList();
        foreach (var address in others)
        {
            using var client = new TcpClient(address.AddressFamily);
            var ex = await Assert.ThrowsAnyAsync<SocketException>(() => client.ConnectAsync(address, broker.Port, Ct).AsTask());
            Assert.NotEqual(SocketError.Success, ex.SocketErrorCode);
        }
    }

    [Fact]
    public async Task StartAsync_ExternalHostConfigured_DoesNotListen()
    {
        var port = FreePort.Get();
        await using var broker = new EmbeddedBroker(new MqttOptions { Host = "broker.ward", EmbeddedPort = port }, new FakeLogger());

        await broker.StartAsync(Ct);

        Assert.False(broker.IsRunning);
        using var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Start();
    }
}
