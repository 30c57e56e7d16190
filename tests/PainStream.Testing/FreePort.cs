// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Net;
using System.Net.Sockets;

namespace PainStream.Testing;

/// <summary>Finds free TCP ports on 127.0.0.1 for servers started by tests.</summary>
public static class FreePort
{
    /// <summary>Returns a TCP port on 127.0.0.1 that was free a moment ago.</summary>
    /// <returns>The port number.</returns>
    public static int Get()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>Waits until something accepts TCP connections on 127.0.0.1:<paramref name="port"/>.</summary>
    /// <param name="port">The port.</param>
    /// <param name="timeout">How long to wait.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes when the port accepts, or faults with <see cref="TimeoutException"/>.</returns>
    public static async Task WaitUntilListeningAsync(int port, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port, cts.Token);
                return;
            }
            catch (SocketException)
            {
                // Not listening yet: poll again shortly (the server may take over a second to start).
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"Nothing listened on 127.0.0.1:{port} within {timeout}.");
            }

            try
            {
                await Task.Delay(50, cts.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"Nothing listened on 127.0.0.1:{port} within {timeout}.");
            }
        }
    }
}
