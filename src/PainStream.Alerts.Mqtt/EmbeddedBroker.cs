// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MQTTnet.Formatter;
using MQTTnet.Packets;
using MQTTnet.Protocol;
using MQTTnet.Server;
using PainStream.Core.Options;

namespace PainStream.Alerts.Mqtt;

/// <summary>
/// The in-process MQTT broker (MQTTnet.Server) used when no external broker is configured (<c>Mqtt:Host</c> empty):
/// listens on <c>Mqtt:EmbeddedAddress</c> (127.0.0.1 by default):<c>Mqtt:EmbeddedPort</c>, and with TLS on
/// <c>Mqtt:EmbeddedTlsPort</c> when a certificate is configured.
/// </summary>
/// <remarks>
/// <para>It enforces <see cref="BrokerSecurity"/>: users from <c>Mqtt:PasswordFile</c> (required beyond loopback), only
/// PainStream publishes its output topics, commands need a nurse or integrator role (baseline reset: integrator), and
/// every command carries the sender's authenticated identity in the user property <see cref="BrokerSecurity.UserProperty"/>
/// (a client's own copy is removed). A client that sends an empty client id with a clean session gets one assigned.</para>
/// <para>
/// Register it before <see cref="MqttPublisher"/>: hosted services stop in reverse order, so the broker stops after the
/// publisher has published <c>stopped</c>. Not thread-safe for concurrent start/stop (the host serialises them).</para>
/// </remarks>
public sealed class EmbeddedBroker : IHostedService, IAsyncDisposable, IDisposable
{
    private static readonly TimeSpan FlushTimeout = TimeSpan.FromSeconds(2);

    /// <summary>Messages the broker queues per client before it drops the oldest (MQTTnet's default is 250).</summary>
    internal const int MaxPendingMessagesPerClient = 20_000;

    private const string RoleItem = "painstream.role";

    private static readonly System.Reflection.FieldInfo? ConnectPacketField =
        typeof(ValidatingConnectionEventArgs).GetField("_connectPacket", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance);

    private readonly MqttOptions _options;
    private readonly ILogger _logger;
    private readonly IReadOnlyList<IMqttServerAdapter> _extraAdapters;
    private readonly EmbeddedBrokerLogin _self;
    private BrokerSecurity? _security;
    private MqttServer? _server;

    /// <summary>Initializes a new instance of the <see cref="EmbeddedBroker"/> class.</summary>
    /// <param name="options">The <c>Mqtt</c> section.</param>
    /// <param name="logger">The logger.</param>
    /// <param name="self">The credentials PainStream's own client logs in with.</param>
    public EmbeddedBroker(MqttOptions options, ILogger<EmbeddedBroker> logger, EmbeddedBrokerLogin self)
        : this(options, (ILogger)logger, self)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="EmbeddedBroker"/> class with any logger (tests).</summary>
    /// <param name="options">The <c>Mqtt</c> section.</param>
    /// <param name="logger">The logger.</param>
    /// <param name="self">The credentials PainStream's own client logs in with.</param>
    internal EmbeddedBroker(MqttOptions options, ILogger logger, EmbeddedBrokerLogin self)
        : this(options, logger, self, [])
    {
    }

    /// <summary>
    /// Initializes a new instance of the <see cref="EmbeddedBroker"/> class that also accepts clients through
    /// <paramref name="extraAdapters"/> (the daemon's MQTT-over-WebSocket endpoint for the dashboard), besides its TCP port.
    /// The same authentication and topic permissions apply to every listener.
    /// </summary>
    /// <param name="options">The <c>Mqtt</c> section.</param>
    /// <param name="logger">The logger.</param>
    /// <param name="self">The credentials PainStream's own client logs in with.</param>
    /// <param name="extraAdapters">More listeners; the broker starts and stops them with its TCP listener.</param>
    internal EmbeddedBroker(MqttOptions options, ILogger logger, EmbeddedBrokerLogin self, IEnumerable<IMqttServerAdapter> extraAdapters)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentNullException.ThrowIfNull(self);
        ArgumentNullException.ThrowIfNull(extraAdapters);
        _options = options;
        _logger = logger;
        _self = self;
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

        // The same rules as the configuration checks (start-up, reload, check-config): beyond loopback needs users.
        BrokerConfigRules.ThrowIfInvalid(_options);
        var address = BrokerConfigRules.ParseEmbeddedAddress(_options.EmbeddedAddress);
        var loopback = IPAddress.IsLoopback(address);
        var passwords = string.IsNullOrWhiteSpace(_options.PasswordFile) ? null : BrokerConfigRules.LoadPasswords(_options.PasswordFile);

        var anonymous = loopback && _options.AnonymousOnLoopback;
        _security = new BrokerSecurity(_options, _self, passwords, anonymous);
        var builder = new MqttServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointBoundIPAddress(address)
            .WithDefaultEndpointBoundIPV6Address(IPAddress.None)
            .WithDefaultEndpointPort(Port)

            // Deep per-client queues: a burst of commands and their replies must not be dropped by the broker itself.
            .WithMaxPendingMessagesPerClient(MaxPendingMessagesPerClient);
        X509Certificate2? certificate = null;
        if (_options.EmbeddedTlsPort > 0)
        {
            certificate = BrokerConfigRules.LoadServerCertificate(_options);
            builder = builder
                .WithEncryptedEndpoint()
                .WithEncryptedEndpointBoundIPAddress(address)
                .WithEncryptedEndpointBoundIPV6Address(IPAddress.None)
                .WithEncryptedEndpointPort(_options.EmbeddedTlsPort)
                .WithEncryptionCertificate(certificate);
        }

        var factory = new MqttServerFactory();
        var serverOptions = builder.Build();
        var server = _extraAdapters.Count == 0
            ? factory.CreateMqttServer(serverOptions)
            : factory.CreateMqttServer(serverOptions, [.. factory.DefaultServerAdapters.Select(create => create(factory)), .. _extraAdapters]);
        server.ValidatingConnectionAsync += OnValidatingConnectionAsync;
        server.InterceptingPublishAsync += OnInterceptingPublishAsync;
        try
        {
            await server.StartAsync();
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.AddressAlreadyInUse or SocketError.AccessDenied)
        {
            server.Dispose();
            throw new InvalidOperationException(
                $"The embedded MQTT broker cannot listen on {_options.EmbeddedAddress}:{Port}{(_options.EmbeddedTlsPort > 0 ? " (TLS " + _options.EmbeddedTlsPort + ")" : string.Empty)}: {(ex.SocketErrorCode == SocketError.AddressAlreadyInUse ? "the port is already in use" : "permission denied")}. " +
                $"Set Mqtt:EmbeddedPort to a free port, or Mqtt:Host to an external broker.",
                ex);
        }
        catch
        {
            server.Dispose();
            throw;
        }

        _server = server;
        _logger.EmbeddedBrokerListening(_options.EmbeddedAddress, Port, _options.EmbeddedTlsPort, anonymous ? "anonymous loopback clients may read and send nurse commands" : "login required");
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
                _logger.EmbeddedBrokerStopped(_options.EmbeddedAddress, Port);
            }
        }
        finally
        {
            server.Dispose();
        }
    }

    private Task OnValidatingConnectionAsync(ValidatingConnectionEventArgs args)
    {
        if (string.IsNullOrEmpty(args.ClientId))
        {
            // MQTT 3.1.1 §3.1.3.1 and MQTT 5: an empty id (3.1.1: with a clean session) gets one from the server, as
            // Mosquitto does. MQTTnet applies AssignedClientIdentifier to MQTT 5 clients only, so for 3.1.1 the id is set on
            // the CONNECT packet the event wraps (MQTTnet 5.2 keeps it in a private field; without it, the client is refused
            // as before).
            if (args.ProtocolVersion != MqttProtocolVersion.V500 && args.CleanSession == false)
            {
                args.ReasonCode = MqttConnectReasonCode.ClientIdentifierNotValid;
                return Task.CompletedTask;
            }

            args.AssignedClientIdentifier = "auto-" + Guid.NewGuid().ToString("N");
            if (args.ProtocolVersion != MqttProtocolVersion.V500 && ConnectPacketField?.GetValue(args) is MqttConnectPacket packet)
            {
                packet.ClientId = args.AssignedClientIdentifier;
            }
        }

        var clientId = string.IsNullOrEmpty(args.ClientId) ? args.AssignedClientIdentifier : args.ClientId;
        var refusal = _security!.Authenticate(clientId, args.UserName, args.RawPassword ?? [], out var role);
        if (refusal is not null)
        {
            _logger.EmbeddedBrokerLoginRefused(clientId, refusal);
            args.ReasonCode = MqttConnectReasonCode.NotAuthorized;
            return Task.CompletedTask;
        }

        args.SessionItems[RoleItem] = role;
        return Task.CompletedTask;
    }

    private Task OnInterceptingPublishAsync(InterceptingPublishEventArgs args)
    {
        // Messages the broker publishes itself (no client) and PainStream's own pass unchanged.
        var role = args.SessionItems[RoleItem] is BrokerRole r ? r : BrokerRole.Anonymous;
        if (string.IsNullOrEmpty(args.ClientId) || role == BrokerRole.Daemon)
        {
            return Task.CompletedTask;
        }

        var topic = args.ApplicationMessage.Topic;
        if (_security!.CanPublish(role, topic) is { } refusal)
        {
            _logger.EmbeddedBrokerPublishRefused(args.ClientId, topic, refusal);
            args.ProcessPublish = false;
            args.Response.ReasonCode = MqttPubAckReasonCode.NotAuthorized;
            args.Response.ReasonString = refusal;
            return Task.CompletedTask;
        }

        // The sender's identity as the broker knows it; a client's own "painstream-user" is never passed on.
        var properties = args.ApplicationMessage.UserProperties?.Where(p => !string.Equals(p.Name, BrokerSecurity.UserProperty, StringComparison.Ordinal)).ToList() ?? [];
        properties.Add(new MqttUserProperty(BrokerSecurity.UserProperty, System.Text.Encoding.UTF8.GetBytes(BrokerSecurity.Identity(role, args.UserName, args.ClientId)).AsMemory()));
        args.ApplicationMessage.UserProperties = properties;
        return Task.CompletedTask;
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
