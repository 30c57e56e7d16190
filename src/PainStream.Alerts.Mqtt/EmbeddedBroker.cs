// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MQTTnet.Server;
using PainStream.Core.Options;

namespace PainStream.Alerts.Mqtt;

/// <summary>
/// The in-process MQTT broker (MQTTnet.Server) used when no external broker is configured (<c>Mqtt:Host</c> empty):
/// listens on 127.0.0.1:<c>Mqtt:EmbeddedPort</c> only, never on other interfaces.
/// </summary>
/// <remarks>
/// Register it before <see cref="MqttPublisher"/>: hosted services stop in reverse order, so the broker stops after the
/// publisher has published <c>stopped</c>. Not thread-safe for concurrent start/stop (the host serialises them).
/// </remarks>
public sealed class EmbeddedBroker : IHostedService, IAsyncDisposable, IDisposable
{
    private static readonly TimeSpan FlushTimeout = TimeSpan.FromSeconds(2);

    private readonly MqttOptions _options;
    private readonly ILogger _logger;
    private readonly IReadOnlyList<IMqttServerAdapter> _extraAdapters;
    private MqttServer? _server;

    /// <summary>Initializes a new instance of the <see cref="EmbeddedBroker"/> class.</summary>
    /// <param name="options">The <c>Mqtt</c> section.</param>
    /// <param name="logger">The logger.</param>
    public EmbeddedBroker(MqttOptions options, ILogger<EmbeddedBroker> logger)
        : this(options, (ILogger)logger)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="EmbeddedBroker"/> class with any logger (tests).</summary>
    /// <param name="options">The <c>Mqtt</c> section.</param>
    /// <param name="logger">The logger.</param>
    internal EmbeddedBroker(MqttOptions options, ILogger logger)
        : this(options, logger, [])
    {
    }

    /// <summary>
    /// Initializes a new instance of the <see cref="EmbeddedBroker"/> class that also accepts clients through
    /// <paramref name="extraAdapters"/> (the daemon's MQTT-over-WebSocket endpoint for the dashboard), besides its TCP port.
    /// </summary>
    /// <param name="options">The <c>Mqtt</c> section.</param>
    /// <param name="logger">The logger.</param>
    /// <param name="extraAdapters">More listeners; the broker starts and stops them with its TCP listener.</param>
    public EmbeddedBroker(MqttOptions options, ILogger logger, IEnumerable<IMqttServerAdapter> extraAdapters)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentNullException.ThrowIfNull(extraAdapters);
        _options = options;
        _logger = logger;
        _extraAdapters = [.. extraAdapters];
    }

    /// <summary>Gets the port the broker listens on (127.0.0.1).</summary>
    public int Port => _options.EmbeddedPort;

    /// <summary>Gets a value indicating whether the broker is running.</summary>
    public bool IsRunning => _server?.IsStarted == true;

    /// <summary>Starts the broker when no external broker is configured.</summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>A task that completes when the broker listens.</returns>
    /// <exception cref="InvalidOperationException">The port is already in use.</exception>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!string.IsNullOrWhiteSpace(_options.Host))
        {
            _logger.EmbeddedBrokerSkipped();
            return;
        }

        if (_server is not null)
        {
            throw new InvalidOperationException("The embedded MQTT broker is already running.");
        }

        var serverOptions = new MqttServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointBoundIPAddress(IPAddress.Loopback)
            .WithDefaultEndpointBoundIPV6Address(IPAddress.None)
            .WithDefaultEndpointPort(Port)
            .Build();
        var factory = new MqttServerFactory();
        var server = _extraAdapters.Count == 0
            ? factory.CreateMqttServer(serverOptions)
            : factory.CreateMqttServer(serverOptions, [.. factory.DefaultServerAdapters.Select(create => create(factory)), .. _extraAdapters]);
        try
        {
            await server.StartAsync();
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.AddressAlreadyInUse or SocketError.AccessDenied)
        {
            server.Dispose();
            throw new InvalidOperationException(
                $"The embedded MQTT broker cannot listen on 127.0.0.1:{Port}: {(ex.SocketErrorCode == SocketError.AddressAlreadyInUse ? "the port is already in use" : "permission denied")}. " +
                $"Set Mqtt:EmbeddedPort to a free port, or Mqtt:Host to an external broker.",
                ex);
        }
        catch
        {
            server.Dispose();
            throw;
        }

        _server = server;
        _logger.EmbeddedBrokerListening(Port);
    }

    /// <summary>Stops the broker and releases its listener; it can be started again.</summary>
    /// <param name="cancellationToken">Unused: stopping is quick.</param>
    /// <returns>A task that completes when the broker has stopped.</returns>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _server, null) is not { } server)
        {
            return;
        }

        try
        {
            if (server.IsStarted)
            {
                // The broker acknowledges a publish once it is queued, not once delivered: let the subscribers' queues
                // drain (the last message is usually "available=stopped") before the listener goes away.
                await WaitForDeliveryAsync(server, FlushTimeout, cancellationToken);
                await server.StopAsync(new MqttServerStopOptions());
                _logger.EmbeddedBrokerStopped(Port);
            }
        }
        finally
        {
            server.Dispose();
        }
    }

    private static async Task WaitForDeliveryAsync(MqttServer server, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline && !cancellationToken.IsCancellationRequested)
        {
            var sessions = await server.GetSessionsAsync();
            if (sessions.All(s => s.PendingApplicationMessagesCount == 0))
            {
                return;
            }

            try
            {
                await Task.Delay(20, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync() => await StopAsync(CancellationToken.None);

    /// <summary>Releases the listener without the graceful stop (for containers disposed synchronously).</summary>
    public void Dispose() => Interlocked.Exchange(ref _server, null)?.Dispose();
}
