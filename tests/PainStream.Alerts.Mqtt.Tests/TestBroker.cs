// Copyright (c) PainStream contributors. Licensed under the MIT License.

using Microsoft.Extensions.Logging.Abstractions;
using PainStream.Core.Options;
using PainStream.Testing;

namespace PainStream.Alerts.Mqtt.Tests;

/// <summary>The brokers every publisher test runs against.</summary>
public enum BrokerKind
{
    /// <summary>The daemon's own in-process MQTTnet.Server broker (<see cref="EmbeddedBroker"/>).</summary>
    Embedded,

    /// <summary>A real Mosquitto process, as in production.</summary>
    Mosquitto,
}

/// <summary>One broker of either kind on a fixed 127.0.0.1 port, which a test can start late, crash and restart.</summary>
internal sealed class TestBroker : IAsyncDisposable
{
    private EmbeddedBroker? _embedded;
    private Mosquitto? _mosquitto;

    private TestBroker(BrokerKind kind, int port)
    {
        Kind = kind;
        Port = port;
    }

    public BrokerKind Kind { get; }

    public int Port { get; }

    /// <summary>Gets the Mosquitto log (empty for the embedded broker), for assertion messages.</summary>
    public string Output => _mosquitto?.Output ?? string.Empty;

    /// <summary>Starts a broker of <paramref name="kind"/> on a free port.</summary>
    public static async Task<TestBroker> StartAsync(BrokerKind kind, CancellationToken cancellationToken)
    {
        var broker = NotStarted(kind);
        try
        {
            await broker.StartAsync(cancellationToken);
            return broker;
        }
        catch
        {
            await broker.DisposeAsync();
            throw;
        }
    }

    /// <summary>Picks a free port but starts nothing on it yet.</summary>
    public static TestBroker NotStarted(BrokerKind kind) => new(kind, FreePort.Get());

    /// <summary>Starts (or starts again) the broker on <see cref="Port"/>.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (Kind == BrokerKind.Mosquitto)
        {
            if (_mosquitto is null)
            {
                _mosquitto = await Mosquitto.StartAsync(Port, cancellationToken);
            }
            else
            {
                await _mosquitto.RestartAsync(cancellationToken);
            }

            return;
        }

        _embedded = new EmbeddedBroker(new MqttOptions { EmbeddedPort = Port }, NullLogger.Instance);
        await _embedded.StartAsync(cancellationToken);
    }

    /// <summary>Takes the broker away: SIGKILL for Mosquitto, a stop for the in-process broker.</summary>
    public async Task CrashAsync()
    {
        if (_mosquitto is not null)
        {
            await _mosquitto.KillAsync();
        }

        if (Interlocked.Exchange(ref _embedded, null) is { } embedded)
        {
            await embedded.DisposeAsync();
        }
    }

    /// <summary>Options for a publisher that connects to this broker (or to <paramref name="viaPort"/>, e.g. a proxy).</summary>
    public MqttOptions PublisherOptions(string clientId, int? viaPort = null) => Kind == BrokerKind.Embedded && viaPort is null
        ? new MqttOptions { Host = string.Empty, EmbeddedPort = Port, ClientId = clientId, ReconnectMaxSeconds = 0.2, KeepAliveSeconds = 5 }
        : new MqttOptions { Host = "127.0.0.1", Port = viaPort ?? Port, ClientId = clientId, ReconnectMaxSeconds = 0.2, KeepAliveSeconds = 5 };

    public async ValueTask DisposeAsync()
    {
        await CrashAsync();
        if (_mosquitto is not null)
        {
            await _mosquitto.DisposeAsync();
        }
    }
}
