// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using PainStream.Core.Options;
using PainStream.Core.Publishing;

namespace PainStream.Alerts.Mqtt;

/// <summary>Registers the MQTT edge in the daemon's container.</summary>
public static class MqttServiceCollectionExtensions
{
    /// <summary>
    /// Adds the embedded broker (only when <see cref="MqttOptions.Host"/> is empty) and the <see cref="MqttPublisher"/> as a
    /// singleton, hosted service, <see cref="IPainStreamPublisher"/> (and the camera registry's part of it,
    /// <see cref="Core.Cameras.ICameraStatusPublisher"/>), <see cref="IAlertPublisher"/> and
    /// <see cref="IMqttConnectionState"/>.
    /// </summary>
    /// <remarks>
    /// <para>Call it before the pipeline's hosted services: hosted services stop in reverse order, so the pipeline drains first,
    /// then the publisher delivers what is queued and publishes <c>stopped</c>, and the embedded broker stops last. Needs
    /// <see cref="IMeterFactory"/> and logging (the generic host provides both); uses a registered <see cref="TimeProvider"/>,
    /// else the system clock.</para>
    /// <para>Commands from the nurse station go into the container's <see cref="AlertCommandChannel"/> (added here when
    /// missing), which the patient stage serves; a command nobody serves is answered with a timeout. The alert outbox (<see cref="MqttOptions.OutboxPath"/>, relative to
    /// <paramref name="contentRoot"/>) is opened when the publisher is first resolved.</para>
    /// </remarks>
    /// <param name="services">The services.</param>
    /// <param name="options">The validated <c>Mqtt</c> section (validation happens before DI).</param>
    /// <param name="contentRoot">The directory a relative <see cref="MqttOptions.OutboxPath"/> is resolved against (the daemon's home), or <see langword="null"/> for the working directory.</param>
    /// <returns><paramref name="services"/>.</returns>
    public static IServiceCollection AddPainStreamMqtt(this IServiceCollection services, MqttOptions options, string? contentRoot = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        services.TryAddSingleton(TimeProvider.System);
        EmbeddedBrokerLogin? self = null;
        if (string.IsNullOrWhiteSpace(options.Host))
        {
            self = EmbeddedBrokerLogin.Create(options.ClientId);
            services.AddSingleton(sp => new EmbeddedBroker(
                options, sp.GetRequiredService<ILogger<EmbeddedBroker>>(), self, sp.GetServices<MQTTnet.Server.IMqttServerAdapter>()));
            services.AddHostedService(sp => sp.GetRequiredService<EmbeddedBroker>());
        }

        var outboxPath = Path.GetFullPath(options.OutboxPath, contentRoot ?? Directory.GetCurrentDirectory());
        services.TryAddSingleton(_ => new AlertCommandChannel());

        // The container owns the outbox (one owner of the file) and disposes it after the publisher, which it made later.
        services.AddSingleton(sp => new Outbox.SqliteAlertOutbox(
            outboxPath,
            options.OutboxMaxMessages,
            TimeSpan.FromHours(options.OutboxMaxAgeHours),
            sp.GetRequiredService<IMeterFactory>(),
            sp.GetRequiredService<ILogger<MqttPublisher>>(),
            sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new MqttPublisher(
            options,
            sp.GetRequiredService<Outbox.SqliteAlertOutbox>(),
            sp.GetRequiredService<IMeterFactory>(),
            sp.GetRequiredService<ILogger<MqttPublisher>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<AlertCommandChannel>(),
            self));
        services.AddSingleton<IPainStreamPublisher>(sp => sp.GetRequiredService<MqttPublisher>());
        services.AddSingleton<Core.Cameras.ICameraStatusPublisher>(sp => sp.GetRequiredService<MqttPublisher>());
        services.AddSingleton<IAlertPublisher>(sp => sp.GetRequiredService<MqttPublisher>());
        services.AddSingleton<IMqttConnectionState>(sp => sp.GetRequiredService<MqttPublisher>());
        services.AddHostedService(sp => sp.GetRequiredService<MqttPublisher>());
        return services;
    }
}
