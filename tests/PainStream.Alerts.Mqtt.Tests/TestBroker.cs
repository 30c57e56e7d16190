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
    /// <summary>A nurse of the embedded test broker (password <see cref="NursePassword"/>).</summary>
    public const string Nurse = "nurse-anna";

    /// <summary>An integrator of the embedded test broker (password <see cref="IntegratorPassword"/>).</summary>
    public const string Integrator = "ops-olga";

    /// <summary>A user without a role.</summary>
    public const string Visitor = "visitor";

    public const string NursePassword = "anna-secret";

    public const string IntegratorPassword = "olga-secret";

    public const string VisitorPassword = "visitor-secret";

    private static readonly Lazy<string> Users = new(() =>
    {
        var path = Path.Combine(Path.GetTempPath(), "painstream-test-users-" + Environment.ProcessId + ".passwd");
        File.WriteAllLines(path, [
            PasswordFile.Entry(Nurse, NursePassword),
            PasswordFile.Entry(Integrator, IntegratorPassword),
            PasswordFile.Entry(Visitor, VisitorPassword),
        ]);
        return path;
    });

    private EmbeddedBroker? _embedded;
    private Mosquitto? _mosquitto;

    private TestBroker(BrokerKind kind, int port)
    {
        Kind = kind;
        Port = port;
    }

    /// <summary>Gets the login of PainStream's own client at every embedded test broker (shared by the test process).</summary>
    public static EmbeddedBrokerLogin Login { get; } = EmbeddedBrokerLogin.Create("painstream");

    /// <summary>Gets the options of the embedded test broker: loopback, anonymous clients accepted, the three test users.</summary>
    public MqttOptions BrokerOptions => new() { EmbeddedPort = Port, PasswordFile = Users.Value, Nurses = Nurse, Integrators = Integrator };

    public BrokerKind Kind { get; }

    /// <summary>Client options that log in as <paramref name="user"/> (for <see cref="MqttProbe.ConnectAsync"/>).</summary>
    public static Func<MQTTnet.MqttClientOptionsBuilder, MQTTnet.MqttClientOptionsBuilder> As(string user, string password) =>
        b => b.WithCredentials(user, password);

    /// <summary>Logs in as the integrator (every command allowed).</summary>
    public static Func<MQTTnet.MqttClientOptionsBuilder, MQTTnet.MqttClientOptionsBuilder> AsIntegrator { get; } = As(Integrator, IntegratorPassword);

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

        _embedded = new EmbeddedBroker(BrokerOptions, NullLogger.Instance, Login);
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
        : new MqttOptions
        {
            Host = "127.0.0.1",
            Port = viaPort ?? Port,
            ClientId = clientId,
            ReconnectMaxSeconds = 0.2,
            KeepAliveSeconds = 5,

            // Through a proxy the embedded broker is "external": PainStream logs in with its login explicitly.
            Username = Kind == BrokerKind.Embedded ? Login.ClientId : string.Empty,
            Password = Kind == BrokerKind.Embedded ? Login.Password : string.Empty,
        };

    public async ValueTask DisposeAsync()
    {
        await CrashAsync();
        if (_mosquitto is not null)
        {
            await _mosquitto.DisposeAsync();
        }
    }
}
