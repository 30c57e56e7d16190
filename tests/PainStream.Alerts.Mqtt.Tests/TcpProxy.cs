// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Net;
using System.Net.Sockets;

namespace PainStream.Alerts.Mqtt.Tests;

/// <summary>
/// A TCP relay on 127.0.0.1 in front of a broker, so a test can cut the publisher's connection abruptly (RST, no MQTT
/// DISCONNECT), as a crash or a network failure would, and make the broker send the Last Will.
/// </summary>
internal sealed class TcpProxy : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly int _targetPort;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<(Socket Client, Socket Upstream)> _connections = [];
    private readonly Task _acceptLoop;

    private TcpProxy(int targetPort)
    {
        _targetPort = targetPort;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        _acceptLoop = AcceptLoopAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public static TcpProxy Start(int targetPort) => new(targetPort);

    /// <summary>Gets or sets a value indicating whether new connections are reset at once instead of relayed (a gate a test opens when it is ready).</summary>
    public bool RefuseNew { get; set; }

    /// <summary>Resets every relayed connection at both ends (linger 0 → RST); new connections are still accepted.</summary>
    public void AbortAll()
    {
        lock (_connections)
        {
            foreach (var (client, upstream) in _connections)
            {
                Abort(client);
                Abort(upstream);
            }

            _connections.Clear();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        AbortAll();
        try
        {
            // The loop was started by this object's constructor, not by another context.
#pragma warning disable VSTHRD003
            await _acceptLoop;
#pragma warning restore VSTHRD003
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopping.
        }

        _stop.Dispose();
    }

    private static void Abort(Socket socket)
    {
        try
        {
            socket.LingerState = new LingerOption(true, 0);
            socket.Close();
        }
        catch (ObjectDisposedException)
        {
            // Already closed by the other pump.
        }
    }

    private static async Task PumpAsync(Socket from, Socket to, CancellationToken cancellationToken)
    {
        var buffer = new byte[8192];
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
                if (read == 0)
                {
                    to.Shutdown(SocketShutdown.Send);
                    return;
                }

                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, cancellationToken);
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // The connection was aborted or the proxy stopped: pass the reset on, as the peer's kernel would (a broker
            // killed with SIGKILL resets its connections; without this the client would only notice at its keep-alive).
            Abort(to);
        }
    }

    private async Task AcceptLoopAsync()
    {
        var token = _stop.Token;
        while (!token.IsCancellationRequested)
        {
            var client = await _listener.AcceptSocketAsync(token);
            if (RefuseNew)
            {
                Abort(client);
                continue;
            }

            var upstream = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await upstream.ConnectAsync(IPAddress.Loopback, _targetPort, token);
            }
            catch (SocketException)
            {
                Abort(client);
                upstream.Dispose();
                continue;
            }

            lock (_connections)
            {
                _connections.Add((client, upstream));
            }

            _ = PumpAsync(client, upstream, token);
            _ = PumpAsync(upstream, client, token);
        }
    }
}
