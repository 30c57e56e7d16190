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
        await using var broker = new EmbeddedBroker(new MqttOptions { EmbeddedPort = port }, new FakeLogger(), TestBroker.Login);

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => broker.StartAsync(Ct));

        Assert.Contains($"127.0.0.1:{port}", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Mqtt:EmbeddedPort", ex.Message, StringComparison.Ordinal);
        Assert.False(broker.IsRunning);
    }

    [Fact]
    public async Task StartAsync_FreePort_LogsListeningAndAcceptsClients()
    {
        var logger = new FakeLogger();
        await using var broker = new EmbeddedBroker(new MqttOptions { EmbeddedPort = FreePort.Get() }, logger, TestBroker.Login);

        await broker.StartAsync(Ct);

        Assert.True(broker.IsRunning);
        Assert.Contains(logger.Collector.GetSnapshot(), r => r.Message.StartsWith($"embedded MQTT broker listening on 127.0.0.1:{broker.Port} ", StringComparison.Ordinal));
        await using var probe = await MqttProbe.ConnectAsync(broker.Port, cancellationToken: Ct);
        await broker.StopAsync(Ct);
        Assert.False(broker.IsRunning);
    }

    [Fact]
    public async Task StartAsync_FreePort_ListensOnIpv4LoopbackOnly()
    {
        await using var broker = new EmbeddedBroker(new MqttOptions { EmbeddedPort = FreePort.Get() }, new FakeLogger(), TestBroker.Login);
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
        await using var broker = new EmbeddedBroker(new MqttOptions { Host = "broker.ward", EmbeddedPort = port }, new FakeLogger(), TestBroker.Login);

        await broker.StartAsync(Ct);

        Assert.False(broker.IsRunning);
        using var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Start();
    }

    [Fact]
    public async Task Mqtt311ClientWithoutClientId_GetsOneAssigned_LikeMosquitto()
    {
        await using var broker = new EmbeddedBroker(new MqttOptions { EmbeddedPort = FreePort.Get() }, new FakeLogger(), TestBroker.Login);
        await broker.StartAsync(Ct);
        await using var publisher = await MqttProbe.ConnectAsync(broker.Port, "none", cancellationToken: Ct);

        // The real mosquitto_sub, MQTT 3.1.1, no -i: it must receive one message and exit 0.
        var start = new System.Diagnostics.ProcessStartInfo("mosquitto_sub") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "-h", "127.0.0.1", "-p", broker.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-V", "mqttv311", "-t", "elsewhere/#", "-C", "1", "-W", "10" })
        {
            start.ArgumentList.Add(argument);
        }

        using var sub = System.Diagnostics.Process.Start(start)!;
        var output = sub.StandardOutput.ReadToEndAsync(Ct);
        var errors = sub.StandardError.ReadToEndAsync(Ct);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!sub.HasExited && !output.IsCompleted && clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            await publisher.PublishAsync("elsewhere/hello", "hi", cancellationToken: Ct);
            await Task.Delay(100, Ct);
        }

        await sub.WaitForExitAsync(Ct);
        Assert.True(sub.ExitCode == 0, await errors);
        Assert.Equal("hi", (await output).Trim());
    }
}
