// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Net;
using System.Net.Sockets;
using MQTTnet;
using MQTTnet.Adapter;
using MQTTnet.Exceptions;
using PainStream.Core.Options;

namespace PainStream.Alerts.Mqtt;

/// <summary>What listens on 127.0.0.1:<c>Mqtt:EmbeddedPort</c> before the embedded broker starts.</summary>
public enum EmbeddedPortState
{
    /// <summary>Nothing listens: the embedded broker can start.</summary>
    Free,

    /// <summary>An MQTT broker listens and accepted a connection (for example Debian's mosquitto on 1883).</summary>
    Broker,

    /// <summary>Something listens that did not accept an MQTT connection (another program, or a broker that refused us).</summary>
    Other,
}

/// <summary>
/// Finds out, before start-up, whether the embedded broker's port is taken, and by what. When it is an MQTT broker the
/// daemon publishes to it instead (README command 1 on a host where the Debian mosquitto service already runs).
/// </summary>
public static class EmbeddedPortProbe
{
    /// <summary>Probes 127.0.0.1:<see cref="MqttOptions.EmbeddedPort"/>: a TCP connect, then an MQTT connect when it is open.</summary>
    /// <param name="options">The <c>Mqtt</c> section; its credentials are used for the MQTT connect when set.</param>
    /// <param name="timeout">How long each step may take.</param>
    /// <param name="cancellationToken">Cancels the probe.</param>
    /// <returns>The state, and a short reason when it is <see cref="EmbeddedPortState.Other"/>.</returns>
    public static async Task<(EmbeddedPortState State, string Reason)> ProbeAsync(MqttOptions options, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        using (var tcp = new TcpClient(AddressFamily.InterNetwork))
        {
            using var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            connectTimeout.CancelAfter(timeout);
            try
            {
                await tcp.ConnectAsync(IPAddress.Loopback, options.EmbeddedPort, connectTimeout.Token);
            }
            catch (SocketException)
            {
                // Refused (nothing listens) or unreachable: the embedded broker's own bind reports anything else.
                return (EmbeddedPortState.Free, string.Empty);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return (EmbeddedPortState.Other, "the TCP connection timed out");
            }
        }

        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(IPAddress.Loopback.ToString(), options.EmbeddedPort)
            .WithClientId($"{options.ClientId}-probe-{Environment.ProcessId}")
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
            .WithCleanStart(true)
            .WithTimeout(timeout);
        if (!string.IsNullOrEmpty(options.Username))
        {
            builder = builder.WithCredentials(options.Username, options.Password);
        }

        using var client = new MqttClientFactory().CreateMqttClient();
        try
        {
            using var mqttTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            mqttTimeout.CancelAfter(timeout);
            var result = await client.ConnectAsync(builder.Build(), mqttTimeout.Token);
            if (result.ResultCode != MqttClientConnectResultCode.Success)
            {
                return (EmbeddedPortState.Other, $"the MQTT broker there refused the connection ({result.ResultCode})");
            }

            await client.DisconnectAsync(new MqttClientDisconnectOptions(), cancellationToken);
            return (EmbeddedPortState.Broker, string.Empty);
        }
        catch (MqttConnectingFailedException ex)
        {
            // Also what a program that is no broker (it closes the connection) looks like.
            return (EmbeddedPortState.Other, $"it did not accept an MQTT connection: {ex.Message}");
        }
        catch (Exception ex) when (ex is MqttCommunicationException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return (EmbeddedPortState.Other, "it does not answer as an MQTT broker");
        }
    }
}
