// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Buffers;
using System.Net.Sockets;
using System.Net.WebSockets;

namespace PainStream.Daemon.Http;

/// <summary>
/// Carries a dashboard's MQTT-over-WebSocket connection to a broker's plain TCP port, byte for byte, when PainStream
/// publishes to a broker of its own choosing (<c>Mqtt:Host</c>, or a broker that already listened on the embedded port)
/// rather than its embedded one. The browser's MQTT CONNECT, with its credentials, reaches that broker unchanged, so the
/// broker's own authentication and ACL decide what the page may read and send: the bridge adds no access of its own.
/// MQTT over WebSocket is the same MQTT byte stream in binary frames, and a packet may span frames, so no framing is needed.
/// </summary>
internal static class MqttWebSocketBridge
{
    private const int BufferSize = 16 * 1024;

    /// <summary>Relays <paramref name="socket"/> to <paramref name="host"/>:<paramref name="port"/> until either side closes.</summary>
    /// <param name="socket">The accepted WebSocket (sub-protocol <c>mqtt</c>).</param>
    /// <param name="host">The broker's host.</param>
    /// <param name="port">The broker's plain MQTT port.</param>
    /// <param name="cancellationToken">Ends the relay (the daemon stops, the request aborts).</param>
    /// <returns>A task that completes when the relay ends; it does not fault on a closed or reset connection.</returns>
    public static async Task RunAsync(WebSocket socket, string host, int port, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(socket);
        using var tcp = new TcpClient { NoDelay = true };
        try
        {
            await tcp.ConnectAsync(host, port, cancellationToken);
        }
        catch (SocketException)
        {
            // The broker is away: closing tells the page, which says so and retries.
            await CloseQuietlyAsync(socket, WebSocketCloseStatus.EndpointUnavailable, "the MQTT broker is not reachable");
            return;
        }

        await using var stream = tcp.GetStream();
        using var relay = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var up = PumpToBrokerAsync(socket, stream, relay.Token);
        var down = PumpToBrowserAsync(stream, socket, relay.Token);
        await Task.WhenAny(up, down);
        await relay.CancelAsync();
        await Task.WhenAll(up, down);
        await CloseQuietlyAsync(socket, WebSocketCloseStatus.NormalClosure, "closed");
    }

    private static async Task PumpToBrokerAsync(WebSocket socket, NetworkStream stream, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            while (true)
            {
                var received = await socket.ReceiveAsync(buffer.AsMemory(), cancellationToken);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }

                await stream.WriteAsync(buffer.AsMemory(0, received.Count), cancellationToken);
            }
        }
        catch (Exception ex) when (IsConnectionEnd(ex))
        {
            // One side closed or reset, or the relay was cancelled: the relay ends, which is its normal end.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static async Task PumpToBrowserAsync(NetworkStream stream, WebSocket socket, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer.AsMemory(), cancellationToken)) > 0)
            {
                await socket.SendAsync(buffer.AsMemory(0, read), WebSocketMessageType.Binary, endOfMessage: true, cancellationToken);
            }
        }
        catch (Exception ex) when (IsConnectionEnd(ex))
        {
            // One side closed or reset, or the relay was cancelled: the relay ends, which is its normal end.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static async Task CloseQuietlyAsync(WebSocket socket, WebSocketCloseStatus status, string description)
    {
        if (socket.State is not (WebSocketState.Open or WebSocketState.CloseReceived))
        {
            return;
        }

        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await socket.CloseOutputAsync(status, description, timeout.Token);
        }
        catch (Exception ex) when (IsConnectionEnd(ex))
        {
            // The browser went first.
        }
    }

    private static bool IsConnectionEnd(Exception ex) =>
        ex is OperationCanceledException or IOException or WebSocketException or ObjectDisposedException or SocketException;
}
